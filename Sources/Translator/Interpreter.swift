import Synchronization

/// How the interpreter left translated code, for the exec loop.
enum BlockExit {
    /// A direct transfer from the block at `from` to `target`; `site` is the op to chain once the
    /// target is translated, or -1 when it is already chained (an exit request stopped the chain).
    case jump(target: UInt64, site: Int, from: UInt64)
    /// An indirect transfer (or an exit to the loop) to `target`.
    case indirect(target: UInt64)
    /// The op at `pc` faulted; it did not retire.
    case fault(GuestFault, pc: UInt64)
    /// The `helper` op at index `op` of the block starting at `blockPC` wants its helper run.
    case helper(op: Int, blockPC: UInt64)
    /// Execution reached a block that was invalidated; translate `pc` again.
    case invalidated(pc: UInt64)
    /// The `profile` op at index `op` counted down to zero: the block at `blockPC` is hot.
    case hot(op: Int, blockPC: UInt64)
    /// The `enterCompiled` op at index `op` starts the block at `blockPC`: run its region.
    case compiled(op: Int, blockPC: UInt64)
}

/// The interpreter tier: runs pre-decoded IR from the flat op buffer with the guest state,
/// TLB and op buffer held in locals. One `switch` dispatch per op; no allocation, reference
/// counting, existential or closure on the way. Direct transfers follow chain links, and indirect
/// jumps that hit the jump cache continue in place, without leaving the loop while no exit is
/// requested; everything rare is out of line.
extension CPUContext {
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    func interpret(at start: Int, blockPC: UInt64) -> BlockExit {
        let r = state
        let ops = cache.ops
        let tlb = self.tlb
        let jumpCache = cache.jumpCache
        var i = start
        var pc = blockPC
        var count = retired
        defer { retired = count }
        while true {
            let op = ops[i]
            let d = Int(op.d), a = Int(op.a), b = Int(op.b)
            let imm = UInt64(bitPattern: op.imm)
            switch op.code {
            case .add: r[d] = r[a] &+ r[b]
            case .sub: r[d] = r[a] &- r[b]
            case .and: r[d] = r[a] & r[b]
            case .or: r[d] = r[a] | r[b]
            case .xor: r[d] = r[a] ^ r[b]
            case .shiftLeft: r[d] = r[a] << (r[b] & 63)
            case .shiftRightLogical: r[d] = r[a] >> (r[b] & 63)
            case .shiftRightArithmetic: r[d] = UInt64(bitPattern: Self.signed(r[a]) >> Int64(r[b] & 63))
            case .setLessThan: r[d] = Self.signed(r[a]) < Self.signed(r[b]) ? 1 : 0
            case .setLessThanUnsigned: r[d] = r[a] < r[b] ? 1 : 0
            case .addW: r[d] = Self.sext32(r[a] &+ r[b])
            case .subW: r[d] = Self.sext32(r[a] &- r[b])
            case .shiftLeftW: r[d] = Self.sext32(r[a] << (r[b] & 31))
            case .shiftRightLogicalW: r[d] = Self.sext32(UInt64(UInt32(truncatingIfNeeded: r[a]) >> UInt32(r[b] & 31)))
            case .shiftRightArithmeticW: r[d] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: r[a]) >> Int32(r[b] & 31)))
            case .mul: r[d] = r[a] &* r[b]
            case .mulHigh: r[d] = UInt64(bitPattern: Self.signed(r[a]).multipliedFullWidth(by: Self.signed(r[b])).high)
            case .mulHighUnsigned: r[d] = r[a].multipliedFullWidth(by: r[b]).high
            case .mulW: r[d] = Self.sext32(r[a] &* r[b])
            case .divUnsigned: r[d] = r[b] == 0 ? .max : r[a] / r[b]
            case .remUnsigned: r[d] = r[b] == 0 ? r[a] : r[a] % r[b]
            case .addImm: r[d] = r[a] &+ imm
            case .andImm: r[d] = r[a] & imm
            case .orImm: r[d] = r[a] | imm
            case .xorImm: r[d] = r[a] ^ imm
            case .shiftLeftImm: r[d] = r[a] << (imm & 63)
            case .shiftRightLogicalImm: r[d] = r[a] >> (imm & 63)
            case .shiftRightArithmeticImm: r[d] = UInt64(bitPattern: Self.signed(r[a]) >> Int64(imm & 63))
            case .setLessThanImm: r[d] = Self.signed(r[a]) < Self.signed(imm) ? 1 : 0
            case .setLessThanUnsignedImm: r[d] = r[a] < imm ? 1 : 0
            case .addImmW: r[d] = Self.sext32(r[a] &+ imm)
            case .shiftLeftImmW: r[d] = Self.sext32(r[a] << (imm & 31))
            case .shiftRightLogicalImmW: r[d] = Self.sext32(UInt64(UInt32(truncatingIfNeeded: r[a]) >> UInt32(imm & 31)))
            case .shiftRightArithmeticImmW: r[d] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: r[a]) >> Int32(imm & 31)))
            case .loadImm: r[d] = imm
            case .shiftAdd: r[d] = (r[a] << UInt64(op.c & 63)) &+ r[b]
            case .shiftAddUnsignedW: r[d] = (UInt64(UInt32(truncatingIfNeeded: r[a])) << UInt64(op.c & 63)) &+ r[b]
            case .andNot: r[d] = r[a] & ~r[b]
            case .orNot: r[d] = r[a] | ~r[b]
            case .xnor: r[d] = ~(r[a] ^ r[b])
            case .countLeadingZeros: r[d] = UInt64(r[a].leadingZeroBitCount)
            case .countTrailingZeros: r[d] = UInt64(r[a].trailingZeroBitCount)
            case .popCount: r[d] = UInt64(r[a].nonzeroBitCount)
            case .countLeadingZerosW: r[d] = UInt64(UInt32(truncatingIfNeeded: r[a]).leadingZeroBitCount)
            case .countTrailingZerosW: r[d] = UInt64(UInt32(truncatingIfNeeded: r[a]).trailingZeroBitCount)
            case .popCountW: r[d] = UInt64(UInt32(truncatingIfNeeded: r[a]).nonzeroBitCount)
            case .max: r[d] = Self.signed(r[a]) > Self.signed(r[b]) ? r[a] : r[b]
            case .maxUnsigned: r[d] = r[a] > r[b] ? r[a] : r[b]
            case .min: r[d] = Self.signed(r[a]) < Self.signed(r[b]) ? r[a] : r[b]
            case .minUnsigned: r[d] = r[a] < r[b] ? r[a] : r[b]
            case .signExtendByte: r[d] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: r[a])))
            case .signExtendHalf: r[d] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: r[a])))
            case .zeroExtendHalf: r[d] = r[a] & 0xFFFF
            case .rotateLeft: r[d] = Self.rotateLeft64(r[a], r[b] & 63)
            case .rotateRight: r[d] = Self.rotateLeft64(r[a], (64 &- (r[b] & 63)) & 63)
            case .rotateLeftW: r[d] = Self.sext32(UInt64(Self.rotateLeft32(UInt32(truncatingIfNeeded: r[a]), UInt32(r[b] & 31))))
            case .rotateRightW: r[d] = Self.sext32(UInt64(Self.rotateLeft32(UInt32(truncatingIfNeeded: r[a]), (32 &- UInt32(r[b] & 31)) & 31)))
            case .rotateRightImm: r[d] = Self.rotateLeft64(r[a], (64 &- (imm & 63)) & 63)
            case .rotateRightImmW: r[d] = Self.sext32(UInt64(Self.rotateLeft32(UInt32(truncatingIfNeeded: r[a]), (32 &- UInt32(imm & 31)) & 31)))
            case .byteReverse: r[d] = r[a].byteSwapped
            case .bitClear: r[d] = r[a] & ~(1 << (r[b] & 63))
            case .bitExtract: r[d] = (r[a] >> (r[b] & 63)) & 1
            case .bitInvert: r[d] = r[a] ^ (1 << (r[b] & 63))
            case .bitSet: r[d] = r[a] | (1 << (r[b] & 63))
            case .bitClearImm: r[d] = r[a] & ~(1 << (imm & 63))
            case .bitExtractImm: r[d] = (r[a] >> (imm & 63)) & 1
            case .bitInvertImm: r[d] = r[a] ^ (1 << (imm & 63))
            case .bitSetImm: r[d] = r[a] | (1 << (imm & 63))
            case .mulHighSignedUnsigned: r[d] = Self.mulHighSignedUnsigned(r[a], r[b])
            case .div: r[d] = Self.div(r[a], r[b])
            case .rem: r[d] = Self.rem(r[a], r[b])
            case .divW: r[d] = Self.divW(r[a], r[b])
            case .divUnsignedW: r[d] = Self.divUnsignedW(r[a], r[b])
            case .remW: r[d] = Self.remW(r[a], r[b])
            case .remUnsignedW: r[d] = Self.remUnsignedW(r[a], r[b])
            case .orCombineBytes: r[d] = Self.orCombineBytes(r[a])

            case .load8, .load8Unsigned, .load16, .load16Unsigned, .load32, .load32Unsigned, .load64:
                let address = r[a] &+ imm
                let size = Self.accessSize(op.code)
                let e = tlb[TLBGeometry.index(address)]
                var raw: UInt64
                if e.readTag == TLBGeometry.tag(address, size: size) {
                    let p = UnsafeRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)).unsafelyUnwrapped
                    switch size {
                    case 1: raw = UInt64(p.load(as: UInt8.self))
                    case 2: raw = UInt64(p.load(as: UInt16.self))
                    case 4: raw = UInt64(p.load(as: UInt32.self))
                    default: raw = p.load(as: UInt64.self)
                    }
                } else if let v = loadSlow(address, size: size) {
                    raw = v
                } else {
                    count &+= UInt64(op.retired) &- 1
                    return .fault(slowFault, pc: pc &+ UInt64(op.pcOffset))
                }
                switch op.code {
                case .load8: raw = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: raw)))
                case .load16: raw = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: raw)))
                case .load32: raw = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: raw)))
                default: break
                }
                r[d] = raw

            case .store8, .store16, .store32, .store64:
                let address = r[a] &+ imm
                let size = Self.accessSize(op.code)
                let value = r[b]
                let e = tlb[TLBGeometry.index(address)]
                if e.writeTag == TLBGeometry.tag(address, size: size) {
                    let p = UnsafeMutableRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)).unsafelyUnwrapped
                    switch size {
                    case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
                    case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
                    case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value), as: UInt32.self)
                    default: p.storeBytes(of: value, as: UInt64.self)
                    }
                } else if !storeSlow(address, size: size, value: value) {
                    count &+= UInt64(op.retired) &- 1
                    return .fault(slowFault, pc: pc &+ UInt64(op.pcOffset))
                }

            case .loadReserved32, .loadReserved64, .storeConditional32, .storeConditional64, .atomic32, .atomic64:
                switch atomic(op, address: r[a], operand: r[b]) {
                case .success(let v): r[d] = v
                case .failure(let f):
                    count &+= UInt64(op.retired) &- 1
                    return .fault(f, pc: pc &+ UInt64(op.pcOffset))
                }

            case .fence:
                atomicMemoryFence(ordering: .sequentiallyConsistent)

            case .branchEqual, .branchNotEqual, .branchLess, .branchGreaterEqual, .branchLessUnsigned,
                 .branchGreaterEqualUnsigned, .jump:
                let x = r[a], y = r[b]
                let taken = switch op.code {
                case .branchEqual: x == y
                case .branchNotEqual: x != y
                case .branchLess: Int64(bitPattern: x) < Int64(bitPattern: y)
                case .branchGreaterEqual: Int64(bitPattern: x) >= Int64(bitPattern: y)
                case .branchLessUnsigned: x < y
                case .branchGreaterEqualUnsigned: x >= y
                default: true
                }
                guard taken else { break }
                count &+= UInt64(op.retired)
                let target = pc &+ UInt64(bitPattern: op.targetOffset)
                let link = op.link
                guard link != 0, exitFlags.load(ordering: .relaxed) == 0 else {
                    return .jump(target: target, site: link == 0 ? i : -1, from: pc)
                }
                i = Int(link) &- 1
                pc = target
                continue

            case .jumpIndirect:
                count &+= UInt64(op.retired)
                let target = (r[a] &+ imm) & ~1
                let e = jumpCache[TranslationCache.slot(target)]
                guard e.block >= 0, e.pc == target, e.flags == modeFlags, exitFlags.load(ordering: .relaxed) == 0 else {
                    return .indirect(target: target)
                }
                i = Int(e.firstOp)
                pc = target
                continue

            case .exitToLoop:
                count &+= UInt64(op.retired)
                return .indirect(target: pc &+ imm)

            case .raise:
                count &+= UInt64(op.retired) &- 1
                let at = pc &+ UInt64(op.pcOffset)
                let value: UInt64 = switch op.c {
                case 1: imm >> 32
                case 2: at
                case 3: at &+ 2
                default: 0
                }
                return .fault(.raised(cause: UInt32(truncatingIfNeeded: imm), value: value), pc: at)

            case .helper:
                return .helper(op: i, blockPC: pc)

            case .invalidated:
                return .invalidated(pc: imm)

            case .profile:
                guard imm <= 1 else {
                    ops[i].imm = Int64(bitPattern: imm &- 1)
                    break
                }
                return .hot(op: i, blockPC: pc)

            case .enterCompiled:
                return .compiled(op: i, blockPC: pc)
            }
            i &+= 1
        }
    }

    @inline(__always)
    static func accessSize(_ code: IROpcode) -> UInt64 {
        switch code {
        case .load8, .load8Unsigned, .store8: 1
        case .load16, .load16Unsigned, .store16: 2
        case .load32, .load32Unsigned, .store32, .loadReserved32, .storeConditional32, .atomic32: 4
        default: 8
        }
    }

    @inline(never)
    private func atomic(_ op: IROp, address: UInt64, operand: UInt64) -> Result<UInt64, GuestFault> {
        let size = Self.accessSize(op.code)
        switch op.code {
        case .loadReserved32, .loadReserved64:
            return loadReserved(address, size: size)
        case .storeConditional32, .storeConditional64:
            return storeConditional(address, size: size, value: operand)
        default:
            guard let operation = AtomicOperation(rawValue: op.c) else { preconditionFailure("atomic op with operation \(op.c)") }
            return atomicReadModifyWrite(address, size: size, operation: operation, operand: operand)
        }
    }
}
