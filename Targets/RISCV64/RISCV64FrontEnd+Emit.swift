import Translator

/// Emission: one decoded RISC-V instruction becomes (usually one) IR op.
extension RISCV64FrontEnd {
    /// Destination slot: results for x0 go to a discard slot so x0 stays zero.
    private static func rd(_ n: UInt32) -> UInt8 { n == 0 ? UInt8(RISCV64Slot.discard) : UInt8(n) }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    func emit(_ word: UInt32, raw: UInt32, pc: UInt64, length: UInt64, into builder: inout BlockBuilder) {
        guard let action = RISCV64DecodeTable.decode(word) else {
            emitIllegal(raw, into: &builder)
            return
        }
        let f = RISCV64Encoding.field
        let rdNumber = f(word, 11, 7)
        let rd = Self.rd(rdNumber)
        let rs1 = UInt8(f(word, 19, 15)), rs2 = UInt8(f(word, 24, 20))
        let immI = Int64(Int32(bitPattern: word) >> 20)
        let next = pc &+ length
        switch action {
        case .register(let code):
            if rdNumber != 0 { builder.emit(IROp(code, d: rd, a: rs1, b: rs2)) }
        case .immediate(let code):
            if rdNumber != 0 { builder.emit(IROp(code, d: rd, a: rs1, imm: immI)) }
        case .shiftImmediate(let code):
            if rdNumber != 0 { builder.emit(IROp(code, d: rd, a: rs1, imm: Int64(f(word, 25, 20)))) }
        case .shiftImmediateW(let code):
            if rdNumber != 0 { builder.emit(IROp(code, d: rd, a: rs1, imm: Int64(f(word, 24, 20)))) }
        case .unary(let code):
            if rdNumber != 0 { builder.emit(IROp(code, d: rd, a: rs1)) }
        case .shiftAdd(let code, let shift):
            if rdNumber != 0 { builder.emit(IROp(code, d: rd, a: rs1, b: rs2, c: shift)) }
        case .shiftLeftUnsignedWord:
            if rdNumber != 0 {
                builder.emit(IROp(.shiftAddUnsignedW, d: rd, a: rs1, b: 0, c: UInt8(f(word, 25, 20))))
            }
        case .lui:
            if rdNumber != 0 { builder.emit(IROp(.loadImm, d: rd, imm: Int64(Int32(bitPattern: word & 0xFFFF_F000)))) }
        case .auipc:
            if rdNumber != 0 {
                builder.emit(IROp(.loadImm, d: rd, imm: Int64(bitPattern: pc &+ UInt64(bitPattern: Int64(Int32(bitPattern: word & 0xFFFF_F000))))))
            }
        case .jal:
            let raw = f(word, 31, 31) << 20 | f(word, 19, 12) << 12 | f(word, 20, 20) << 11 | f(word, 30, 21) << 1
            let target = pc &+ UInt64(bitPattern: Int64(RISCV64Encoding.signExtend(raw, width: 21)))
            if rdNumber != 0 { builder.emit(IROp(.loadImm, d: rd, imm: Int64(bitPattern: next))) }
            builder.emitTransfer(.jump, to: target)
        case .jalr:
            if rdNumber == 0 {
                builder.emit(IROp(.jumpIndirect, a: rs1, imm: immI))
            } else if UInt8(rdNumber) != rs1 {
                builder.emit(IROp(.loadImm, d: rd, imm: Int64(bitPattern: next)))
                builder.emit(IROp(.jumpIndirect, a: rs1, imm: immI))
            } else {
                let temp = UInt8(RISCV64Slot.temp)
                builder.emit(IROp(.addImm, d: temp, a: rs1, imm: immI))
                builder.emit(IROp(.loadImm, d: rd, imm: Int64(bitPattern: next)))
                builder.emit(IROp(.jumpIndirect, a: temp))
            }
        case .branch(let code):
            let raw = f(word, 31, 31) << 12 | f(word, 7, 7) << 11 | f(word, 30, 25) << 5 | f(word, 11, 8) << 1
            let target = pc &+ UInt64(bitPattern: Int64(RISCV64Encoding.signExtend(raw, width: 13)))
            builder.emitTransfer(code, a: rs1, b: rs2, to: target)
            builder.emitTransfer(.jump, to: next)
        case .load(let code):
            builder.emit(IROp(code, d: rd, a: rs1, imm: immI))
        case .store(let code):
            let imm = Int64(RISCV64Encoding.signExtend(f(word, 31, 25) << 5 | f(word, 11, 7), width: 12))
            builder.emit(IROp(code, a: rs1, b: rs2, imm: imm))
        case .loadReserved(let code):
            builder.emit(IROp(code, d: rd, a: rs1))
        case .storeConditional(let code):
            builder.emit(IROp(code, d: rd, a: rs1, b: rs2))
        case .atomic(let code, let operation):
            builder.emit(IROp(code, d: rd, a: rs1, b: rs2, c: operation.rawValue))
        case .fence:
            builder.emit(IROp(.fence))
        case .fenceI:
            builder.emitExitToLoop(resumeAt: next)
        case .ecall:
            builder.emit(IROp(.raise, imm: Int64(Cause.environmentCallFromU)))
        case .ebreak:
            // mtval = 0 for ebreak (allowed by privileged ISA §3.1.16; QEMU 7.2 does the same).
            builder.emit(IROp(.raise, imm: Int64(Cause.breakpoint)))
        case .mret:
            builder.emit(IROp(.helper, c: Helper.mret, imm: Int64(raw) << 32))
        case .sret:
            builder.emit(IROp(.helper, c: Helper.sret, imm: Int64(raw) << 32))
        case .wfi:
            builder.emit(IROp(.helper, c: Helper.wfi, imm: Int64(raw) << 32 | Int64(length)))
        case .sfenceVMA:
            builder.emit(IROp(.helper, a: rs1, c: Helper.sfenceVMA, imm: Int64(raw) << 32))
            builder.emitExitToLoop(resumeAt: next)
        case .csr:
            builder.emit(IROp(.helper, d: rd, a: rs1, c: Helper.csr, imm: Int64(word)))
            builder.emitExitToLoop(resumeAt: next)
        case .floatLoad, .floatStore, .floatMoveToInteger, .floatMoveFromInteger, .floatOperation:
            guard builder.flags & ModeFlag.floatEnabled != 0 else {
                emitIllegal(raw, into: &builder)
                return
            }
            emitFloat(action, word: word, into: &builder)
        }
    }

    /// F/D instructions while mstatus.FS is not Off. Instructions that write FP state also set
    /// FS to Dirty (an `orImm` on the mstatus slot).
    private func emitFloat(_ action: RISCV64Action, word: UInt32, into builder: inout BlockBuilder) {
        let f = RISCV64Encoding.field
        let rdNumber = f(word, 11, 7)
        let fd = UInt8(RISCV64Slot.f(Int(rdNumber)))
        let rs1 = UInt8(f(word, 19, 15)), fs1 = UInt8(RISCV64Slot.f(Int(f(word, 19, 15))))
        let fs2 = UInt8(RISCV64Slot.f(Int(f(word, 24, 20))))
        let mstatus = UInt8(RISCV64Slot.mstatus)
        let box = Int64(bitPattern: Self.boxHigh)
        let dirty = IROp(.orImm, d: mstatus, a: mstatus, imm: Int64(Self.floatDirty))
        switch action {
        case .floatLoad(let code):
            builder.emit(IROp(code, d: fd, a: rs1, imm: Int64(Int32(bitPattern: word) >> 20)))
            if code == .load32Unsigned { builder.emit(IROp(.orImm, d: fd, a: fd, imm: box)) }
            builder.emit(dirty)
        case .floatStore(let code):
            let imm = Int64(RISCV64Encoding.signExtend(f(word, 31, 25) << 5 | f(word, 11, 7), width: 12))
            builder.emit(IROp(code, a: rs1, b: fs2, imm: imm))
        case .floatMoveToInteger(let single):
            if rdNumber != 0 { builder.emit(IROp(single ? .addImmW : .addImm, d: UInt8(rdNumber), a: fs1)) }
        case .floatMoveFromInteger(let single):
            builder.emit(single ? IROp(.orImm, d: fd, a: rs1, imm: box) : IROp(.addImm, d: fd, a: rs1))
            builder.emit(dirty)
        default:
            builder.emit(IROp(.helper, c: Helper.float, imm: Int64(word)))
        }
    }
}
