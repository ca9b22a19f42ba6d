import CLLVM

/// The IR's arithmetic ops as LLVM instructions, with the interpreter's semantics
/// (Interpreter.swift, Interpreter+Arithmetic.swift): shift amounts masked, `W` forms
/// sign-extended from 32 bits, division by zero and signed overflow defined without traps.
extension RegionLowering {
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    func arithmetic(_ op: IROp) -> LLVMValueRef {
        let b = builder
        let imm = const(UInt64(bitPattern: op.imm))
        func x() -> LLVMValueRef { read(op.a) }
        func y() -> LLVMValueRef { read(op.b) }
        func mask(_ v: LLVMValueRef?, _ m: UInt64) -> LLVMValueRef { LLVMBuildAnd(b, v, const(m), "") }
        func sext32(_ v: LLVMValueRef?) -> LLVMValueRef { LLVMBuildSExt(b, LLVMBuildTrunc(b, v, i32, ""), i64, "") }
        func low32(_ v: LLVMValueRef?) -> LLVMValueRef { LLVMBuildTrunc(b, v, i32, "") }
        func widen32(_ v: LLVMValueRef?) -> LLVMValueRef { LLVMBuildSExt(b, v, i64, "") }
        func zext1(_ v: LLVMValueRef?) -> LLVMValueRef { LLVMBuildZExt(b, v, i64, "") }
        func select(_ c: LLVMValueRef?, _ t: LLVMValueRef?, _ f: LLVMValueRef?) -> LLVMValueRef { LLVMBuildSelect(b, c, t, f, "") }
        func cmp(_ p: LLVMIntPredicate, _ l: LLVMValueRef?, _ r: LLVMValueRef?) -> LLVMValueRef { LLVMBuildICmp(b, p, l, r, "") }
        func bit(_ n: LLVMValueRef?) -> LLVMValueRef { LLVMBuildShl(b, const(1), mask(n, 63), "") }

        switch op.code {
        case .add: return LLVMBuildAdd(b, x(), y(), "")
        case .sub: return LLVMBuildSub(b, x(), y(), "")
        case .and: return LLVMBuildAnd(b, x(), y(), "")
        case .or: return LLVMBuildOr(b, x(), y(), "")
        case .xor: return LLVMBuildXor(b, x(), y(), "")
        case .shiftLeft: return LLVMBuildShl(b, x(), mask(y(), 63), "")
        case .shiftRightLogical: return LLVMBuildLShr(b, x(), mask(y(), 63), "")
        case .shiftRightArithmetic: return LLVMBuildAShr(b, x(), mask(y(), 63), "")
        case .setLessThan: return zext1(cmp(LLVMIntSLT, x(), y()))
        case .setLessThanUnsigned: return zext1(cmp(LLVMIntULT, x(), y()))
        case .addW: return sext32(LLVMBuildAdd(b, x(), y(), ""))
        case .subW: return sext32(LLVMBuildSub(b, x(), y(), ""))
        case .shiftLeftW: return sext32(LLVMBuildShl(b, x(), mask(y(), 31), ""))
        case .shiftRightLogicalW:
            return widen32(LLVMBuildLShr(b, low32(x()), low32(mask(y(), 31)), ""))
        case .shiftRightArithmeticW:
            return widen32(LLVMBuildAShr(b, low32(x()), low32(mask(y(), 31)), ""))
        case .mul: return LLVMBuildMul(b, x(), y(), "")
        case .mulHigh: return mulHigh(x(), y(), signedX: true, signedY: true)
        case .mulHighSignedUnsigned: return mulHigh(x(), y(), signedX: true, signedY: false)
        case .mulHighUnsigned: return mulHigh(x(), y(), signedX: false, signedY: false)
        case .mulW: return sext32(LLVMBuildMul(b, x(), y(), ""))
        case .div, .rem:
            let n = x(), m = y()
            let zero = cmp(LLVMIntEQ, m, const(0))
            let overflow = LLVMBuildAnd(b, cmp(LLVMIntEQ, n, const(1 << 63)), cmp(LLVMIntEQ, m, const(.max)), "")
            let safe = select(LLVMBuildOr(b, zero, overflow, ""), const(1), m)
            if op.code == .div {
                return select(zero, const(.max), select(overflow, n, LLVMBuildSDiv(b, n, safe, "")))
            }
            return select(zero, n, select(overflow, const(0), LLVMBuildSRem(b, n, safe, "")))
        case .divUnsigned, .remUnsigned:
            let n = x(), m = y()
            let zero = cmp(LLVMIntEQ, m, const(0))
            let safe = select(zero, const(1), m)
            if op.code == .divUnsigned { return select(zero, const(.max), LLVMBuildUDiv(b, n, safe, "")) }
            return select(zero, n, LLVMBuildURem(b, n, safe, ""))
        case .divW, .remW:
            let n = low32(x()), m = low32(y())
            let zero = cmp(LLVMIntEQ, m, LLVMConstInt(i32, 0, 0))
            let overflow = LLVMBuildAnd(b, cmp(LLVMIntEQ, n, LLVMConstInt(i32, 0x8000_0000, 0)),
                                        cmp(LLVMIntEQ, m, LLVMConstInt(i32, 0xFFFF_FFFF, 0)), "")
            let safe = select(LLVMBuildOr(b, zero, overflow, ""), LLVMConstInt(i32, 1, 0), m)
            if op.code == .divW {
                return select(zero, const(.max), widen32(select(overflow, n, LLVMBuildSDiv(b, n, safe, ""))))
            }
            return widen32(select(zero, n, select(overflow, LLVMConstInt(i32, 0, 0), LLVMBuildSRem(b, n, safe, ""))))
        case .divUnsignedW, .remUnsignedW:
            let n = low32(x()), m = low32(y())
            let zero = cmp(LLVMIntEQ, m, LLVMConstInt(i32, 0, 0))
            let safe = select(zero, LLVMConstInt(i32, 1, 0), m)
            if op.code == .divUnsignedW { return select(zero, const(.max), widen32(LLVMBuildUDiv(b, n, safe, ""))) }
            return widen32(select(zero, n, LLVMBuildURem(b, n, safe, "")))

        case .addImm: return LLVMBuildAdd(b, x(), imm, "")
        case .andImm: return LLVMBuildAnd(b, x(), imm, "")
        case .orImm: return LLVMBuildOr(b, x(), imm, "")
        case .xorImm: return LLVMBuildXor(b, x(), imm, "")
        case .shiftLeftImm: return LLVMBuildShl(b, x(), mask(imm, 63), "")
        case .shiftRightLogicalImm: return LLVMBuildLShr(b, x(), mask(imm, 63), "")
        case .shiftRightArithmeticImm: return LLVMBuildAShr(b, x(), mask(imm, 63), "")
        case .setLessThanImm: return zext1(cmp(LLVMIntSLT, x(), imm))
        case .setLessThanUnsignedImm: return zext1(cmp(LLVMIntULT, x(), imm))
        case .addImmW: return sext32(LLVMBuildAdd(b, x(), imm, ""))
        case .shiftLeftImmW: return sext32(LLVMBuildShl(b, x(), mask(imm, 31), ""))
        case .shiftRightLogicalImmW: return widen32(LLVMBuildLShr(b, low32(x()), low32(mask(imm, 31)), ""))
        case .shiftRightArithmeticImmW: return widen32(LLVMBuildAShr(b, low32(x()), low32(mask(imm, 31)), ""))
        case .loadImm: return imm

        case .shiftAdd: return LLVMBuildAdd(b, LLVMBuildShl(b, x(), const(UInt64(op.c & 63)), ""), y(), "")
        case .shiftAddUnsignedW:
            return LLVMBuildAdd(b, LLVMBuildShl(b, mask(x(), 0xFFFF_FFFF), const(UInt64(op.c & 63)), ""), y(), "")
        case .andNot: return LLVMBuildAnd(b, x(), LLVMBuildNot(b, y(), ""), "")
        case .orNot: return LLVMBuildOr(b, x(), LLVMBuildNot(b, y(), ""), "")
        case .xnor: return LLVMBuildNot(b, LLVMBuildXor(b, x(), y(), ""), "")
        case .countLeadingZeros: return bitCount("llvm.ctlz.i64", x(), i64, zeroUndef: true)
        case .countTrailingZeros: return bitCount("llvm.cttz.i64", x(), i64, zeroUndef: true)
        case .popCount: return bitCount("llvm.ctpop.i64", x(), i64, zeroUndef: false)
        case .countLeadingZerosW:
            return LLVMBuildZExt(b, bitCount("llvm.ctlz.i32", low32(x()), i32, zeroUndef: true), i64, "")
        case .countTrailingZerosW:
            return LLVMBuildZExt(b, bitCount("llvm.cttz.i32", low32(x()), i32, zeroUndef: true), i64, "")
        case .popCountW:
            return LLVMBuildZExt(b, bitCount("llvm.ctpop.i32", low32(x()), i32, zeroUndef: false), i64, "")
        case .max: let l = x(), r = y(); return select(cmp(LLVMIntSGT, l, r), l, r)
        case .maxUnsigned: let l = x(), r = y(); return select(cmp(LLVMIntUGT, l, r), l, r)
        case .min: let l = x(), r = y(); return select(cmp(LLVMIntSLT, l, r), l, r)
        case .minUnsigned: let l = x(), r = y(); return select(cmp(LLVMIntULT, l, r), l, r)
        case .signExtendByte: return LLVMBuildSExt(b, LLVMBuildTrunc(b, x(), i8, ""), i64, "")
        case .signExtendHalf: return LLVMBuildSExt(b, LLVMBuildTrunc(b, x(), i16, ""), i64, "")
        case .zeroExtendHalf: return mask(x(), 0xFFFF)
        case .rotateLeft: let v = x(); return funnel("llvm.fshl.i64", v, mask(y(), 63), i64)
        case .rotateRight: let v = x(); return funnel("llvm.fshr.i64", v, mask(y(), 63), i64)
        case .rotateLeftW: return widen32(funnel("llvm.fshl.i32", low32(x()), low32(mask(y(), 31)), i32))
        case .rotateRightW: return widen32(funnel("llvm.fshr.i32", low32(x()), low32(mask(y(), 31)), i32))
        case .rotateRightImm: return funnel("llvm.fshr.i64", x(), mask(imm, 63), i64)
        case .rotateRightImmW: return widen32(funnel("llvm.fshr.i32", low32(x()), low32(mask(imm, 31)), i32))
        case .orCombineBytes:
            let v = x()
            var result = const(0)
            for byte in 0..<8 {
                let shift = UInt64(byte * 8)
                let nonzero = cmp(LLVMIntNE, mask(LLVMBuildLShr(b, v, const(shift), ""), 0xFF), const(0))
                result = LLVMBuildOr(b, result, select(nonzero, const(0xFF << shift), const(0)), "")
            }
            return result
        case .byteReverse: return call("llvm.bswap.i64", [x()], i64)
        case .bitClear: return LLVMBuildAnd(b, x(), LLVMBuildNot(b, bit(y()), ""), "")
        case .bitExtract: return mask(LLVMBuildLShr(b, x(), mask(y(), 63), ""), 1)
        case .bitInvert: return LLVMBuildXor(b, x(), bit(y()), "")
        case .bitSet: return LLVMBuildOr(b, x(), bit(y()), "")
        case .bitClearImm: return LLVMBuildAnd(b, x(), LLVMBuildNot(b, bit(imm), ""), "")
        case .bitExtractImm: return mask(LLVMBuildLShr(b, x(), mask(imm, 63), ""), 1)
        case .bitInvertImm: return LLVMBuildXor(b, x(), bit(imm), "")
        case .bitSetImm: return LLVMBuildOr(b, x(), bit(imm), "")
        default:
            preconditionFailure("\(op.code) is not an arithmetic op")
        }
    }

    private func mulHigh(_ x: LLVMValueRef, _ y: LLVMValueRef, signedX: Bool, signedY: Bool) -> LLVMValueRef {
        let wideX = signedX ? LLVMBuildSExt(builder, x, i128, "") : LLVMBuildZExt(builder, x, i128, "")
        let wideY = signedY ? LLVMBuildSExt(builder, y, i128, "") : LLVMBuildZExt(builder, y, i128, "")
        let product = LLVMBuildMul(builder, wideX, wideY, "")
        return LLVMBuildTrunc(builder, LLVMBuildLShr(builder, product, LLVMConstInt(i128, 64, 0), ""), i64, "")
    }

    /// ctlz/cttz with a zero input defined (the width), and ctpop.
    private func bitCount(_ name: String, _ v: LLVMValueRef, _ type: LLVMTypeRef, zeroUndef: Bool) -> LLVMValueRef {
        if zeroUndef { return call(name, [v, LLVMConstInt(i1, 0, 0)], type) }
        return call(name, [v], type)
    }

    private func funnel(_ name: String, _ v: LLVMValueRef, _ amount: LLVMValueRef, _ type: LLVMTypeRef) -> LLVMValueRef {
        call(name, [v, v, amount], type)
    }

    /// Calls intrinsic `name` returning `type`, declaring it on first use.
    private func call(_ name: String, _ arguments: [LLVMValueRef], _ type: LLVMTypeRef) -> LLVMValueRef {
        var params: [LLVMTypeRef?] = arguments.map { LLVMTypeOf($0) }
        let fnType = LLVMFunctionType(type, &params, UInt32(params.count), 0)
        let fn = LLVMGetNamedFunction(module, name) ?? LLVMAddFunction(module, name, fnType)
        var args: [LLVMValueRef?] = arguments.map { $0 }
        return LLVMBuildCall2(builder, fnType, fn, &args, UInt32(args.count), "")
    }
}
