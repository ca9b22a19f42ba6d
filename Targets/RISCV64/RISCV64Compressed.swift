/// The RVC encodings (unprivileged ISA §16, tables 16.5-16.7), each expanded into the 32-bit
/// instruction it stands for, which the main decode table then handles. Reserved encodings
/// (zero immediates where the spec forbids them, rd = x0 where reserved) expand to nil and
/// raise an illegal-instruction exception. RV64 has no compressed single-precision loads and
/// stores; the double-precision ones are here.
///
/// The expander switches on the quadrant (bits 1:0) and funct3 (bits 15:13), the fields that
/// select a row of the spec's opcode map, so one translated compressed instruction costs a jump
/// table and a few shifts. The test suite checks it against a row-by-row reading of the spec's
/// tables for all 65536 halfwords.
enum RISCV64Compressed {
    private typealias E = RISCV64Encoding

    private enum Opcode {
        static let load: UInt32 = 0b0000011
        static let loadFloat: UInt32 = 0b0000111
        static let opImm: UInt32 = 0b0010011
        static let opImm32: UInt32 = 0b0011011
        static let store: UInt32 = 0b0100011
        static let storeFloat: UInt32 = 0b0100111
        static let op: UInt32 = 0b0110011
        static let lui: UInt32 = 0b0110111
        static let op32: UInt32 = 0b0111011
        static let jalr: UInt32 = 0b1100111
    }

    /// The 32-bit equivalent of a compressed instruction, or nil if it is reserved, unsupported
    /// or not compressed (bits 1:0 = 11).
    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func expand(_ half: UInt16) -> UInt32? {
        let c = UInt32(half)
        let f = E.field
        let rdFull = f(c, 11, 7), rs2Full = f(c, 6, 2)
        let rdPrime = 8 + f(c, 4, 2), rs1Prime = 8 + f(c, 9, 7)
        let shamt = f(c, 12, 12) << 5 | f(c, 6, 2)
        let imm6 = E.signExtend(shamt, width: 6)
        switch (c & 3, c >> 13) {
        // Quadrant 0: stack-pointer-based addition and register-based loads and stores.
        case (0, 0): // c.addi4spn
            let uimm = f(c, 12, 11) << 4 | f(c, 10, 7) << 6 | f(c, 6, 6) << 2 | f(c, 5, 5) << 3
            guard uimm != 0 else { return nil }
            return E.i(Int32(uimm), rs1: 2, funct3: 0, rd: rdPrime, opcode: Opcode.opImm)
        case (0, 1): // c.fld
            return E.i(Int32(doubleOffset(c)), rs1: rs1Prime, funct3: 3, rd: rdPrime, opcode: Opcode.loadFloat)
        case (0, 2): // c.lw
            return E.i(Int32(wordOffset(c)), rs1: rs1Prime, funct3: 2, rd: rdPrime, opcode: Opcode.load)
        case (0, 3): // c.ld
            return E.i(Int32(doubleOffset(c)), rs1: rs1Prime, funct3: 3, rd: rdPrime, opcode: Opcode.load)
        case (0, 5): // c.fsd
            return E.s(Int32(doubleOffset(c)), rs2: rdPrime, rs1: rs1Prime, funct3: 3, opcode: Opcode.storeFloat)
        case (0, 6): // c.sw
            return E.s(Int32(wordOffset(c)), rs2: rdPrime, rs1: rs1Prime, funct3: 2, opcode: Opcode.store)
        case (0, 7): // c.sd
            return E.s(Int32(doubleOffset(c)), rs2: rdPrime, rs1: rs1Prime, funct3: 3, opcode: Opcode.store)

        // Quadrant 1: immediates, register-register arithmetic, jumps and branches.
        case (1, 0): // c.addi (c.nop and the hints included)
            return E.i(imm6, rs1: rdFull, funct3: 0, rd: rdFull, opcode: Opcode.opImm)
        case (1, 1): // c.addiw
            guard rdFull != 0 else { return nil }
            return E.i(imm6, rs1: rdFull, funct3: 0, rd: rdFull, opcode: Opcode.opImm32)
        case (1, 2): // c.li
            return E.i(imm6, rs1: 0, funct3: 0, rd: rdFull, opcode: Opcode.opImm)
        case (1, 3): // c.addi16sp (rd = sp) or c.lui
            if rdFull == 2 {
                let raw = f(c, 12, 12) << 9 | f(c, 6, 6) << 4 | f(c, 5, 5) << 6 | f(c, 4, 3) << 7 | f(c, 2, 2) << 5
                guard raw != 0 else { return nil }
                return E.i(E.signExtend(raw, width: 10), rs1: 2, funct3: 0, rd: 2, opcode: Opcode.opImm)
            }
            guard imm6 != 0 else { return nil }
            return E.u(imm6 << 12, rd: rdFull, opcode: Opcode.lui)
        case (1, 4):
            return expandArithmetic(c, shamt: shamt, imm6: imm6, rs1: rs1Prime)
        case (1, 5): // c.j
            let raw = f(c, 12, 12) << 11 | f(c, 11, 11) << 4 | f(c, 10, 9) << 8 | f(c, 8, 8) << 10
                | f(c, 7, 7) << 6 | f(c, 6, 6) << 7 | f(c, 5, 3) << 1 | f(c, 2, 2) << 5
            return E.j(E.signExtend(raw, width: 12), rd: 0)
        case (1, 6), (1, 7): // c.beqz, c.bnez
            let raw = f(c, 12, 12) << 8 | f(c, 11, 10) << 3 | f(c, 6, 5) << 6 | f(c, 4, 3) << 1 | f(c, 2, 2) << 5
            return E.b(E.signExtend(raw, width: 9), rs2: 0, rs1: rs1Prime, funct3: c >> 13 & 1)

        // Quadrant 2: stack-pointer-based loads and stores, shifts, moves and register jumps.
        case (2, 0): // c.slli
            return E.i(Int32(shamt), rs1: rdFull, funct3: 1, rd: rdFull, opcode: Opcode.opImm)
        case (2, 1): // c.fldsp
            return E.i(Int32(doubleStackLoadOffset(c)), rs1: 2, funct3: 3, rd: rdFull, opcode: Opcode.loadFloat)
        case (2, 2): // c.lwsp
            guard rdFull != 0 else { return nil }
            let uimm = f(c, 12, 12) << 5 | f(c, 6, 4) << 2 | f(c, 3, 2) << 6
            return E.i(Int32(uimm), rs1: 2, funct3: 2, rd: rdFull, opcode: Opcode.load)
        case (2, 3): // c.ldsp
            guard rdFull != 0 else { return nil }
            return E.i(Int32(doubleStackLoadOffset(c)), rs1: 2, funct3: 3, rd: rdFull, opcode: Opcode.load)
        case (2, 4): // c.jr, c.mv, c.ebreak, c.jalr, c.add
            switch (f(c, 12, 12), rdFull, rs2Full) {
            case (0, 0, 0): return nil
            case (0, _, 0): return E.i(0, rs1: rdFull, funct3: 0, rd: 0, opcode: Opcode.jalr)
            case (0, _, _): return E.r(0, rs2: rs2Full, rs1: 0, funct3: 0, rd: rdFull, opcode: Opcode.op)
            case (1, 0, 0): return 0x0010_0073
            case (1, _, 0): return E.i(0, rs1: rdFull, funct3: 0, rd: 1, opcode: Opcode.jalr)
            default: return E.r(0, rs2: rs2Full, rs1: rdFull, funct3: 0, rd: rdFull, opcode: Opcode.op)
            }
        case (2, 5): // c.fsdsp
            return E.s(Int32(doubleStackStoreOffset(c)), rs2: rs2Full, rs1: 2, funct3: 3, opcode: Opcode.storeFloat)
        case (2, 6): // c.swsp
            let uimm = f(c, 12, 9) << 2 | f(c, 8, 7) << 6
            return E.s(Int32(uimm), rs2: rs2Full, rs1: 2, funct3: 2, opcode: Opcode.store)
        case (2, 7): // c.sdsp
            return E.s(Int32(doubleStackStoreOffset(c)), rs2: rs2Full, rs1: 2, funct3: 3, opcode: Opcode.store)

        default: // quadrant 0 funct3 100 (reserved), or a 32-bit instruction
            return nil
        }
    }

    /// c.srli, c.srai, c.andi and c.sub/xor/or/and/subw/addw: quadrant 1, funct3 100, told apart
    /// by bits 11:10 (and bits 12, 6:5 for the register forms).
    private static func expandArithmetic(_ c: UInt32, shamt: UInt32, imm6: Int32, rs1: UInt32) -> UInt32? {
        let f = E.field
        let rs2 = 8 + f(c, 4, 2)
        switch f(c, 11, 10) {
        case 0: return E.i(Int32(shamt), rs1: rs1, funct3: 5, rd: rs1, opcode: Opcode.opImm)
        case 1: return E.i(Int32(0x400 | shamt), rs1: rs1, funct3: 5, rd: rs1, opcode: Opcode.opImm)
        case 2: return E.i(imm6, rs1: rs1, funct3: 7, rd: rs1, opcode: Opcode.opImm)
        default:
            switch (f(c, 12, 12), f(c, 6, 5)) {
            case (0, 0): return E.r(0b0100000, rs2: rs2, rs1: rs1, funct3: 0, rd: rs1, opcode: Opcode.op)
            case (0, 1): return E.r(0, rs2: rs2, rs1: rs1, funct3: 4, rd: rs1, opcode: Opcode.op)
            case (0, 2): return E.r(0, rs2: rs2, rs1: rs1, funct3: 6, rd: rs1, opcode: Opcode.op)
            case (0, 3): return E.r(0, rs2: rs2, rs1: rs1, funct3: 7, rd: rs1, opcode: Opcode.op)
            case (1, 0): return E.r(0b0100000, rs2: rs2, rs1: rs1, funct3: 0, rd: rs1, opcode: Opcode.op32)
            case (1, 1): return E.r(0, rs2: rs2, rs1: rs1, funct3: 0, rd: rs1, opcode: Opcode.op32)
            default: return nil
            }
        }
    }

    /// The scaled offset of c.lw / c.sw: uimm[5:3] in bits 12:10, uimm[2] in 6, uimm[6] in 5.
    @inline(__always)
    private static func wordOffset(_ c: UInt32) -> UInt32 {
        E.field(c, 12, 10) << 3 | E.field(c, 6, 6) << 2 | E.field(c, 5, 5) << 6
    }

    /// The scaled offset of c.ld / c.sd / c.fld / c.fsd: uimm[5:3] in bits 12:10, uimm[7:6] in 6:5.
    @inline(__always)
    private static func doubleOffset(_ c: UInt32) -> UInt32 {
        E.field(c, 12, 10) << 3 | E.field(c, 6, 5) << 6
    }

    /// The offset of c.ldsp / c.fldsp: uimm[5] in bit 12, uimm[4:3] in 6:5, uimm[8:6] in 4:2.
    @inline(__always)
    private static func doubleStackLoadOffset(_ c: UInt32) -> UInt32 {
        E.field(c, 12, 12) << 5 | E.field(c, 6, 5) << 3 | E.field(c, 4, 2) << 6
    }

    /// The offset of c.sdsp / c.fsdsp: uimm[5:3] in bits 12:10, uimm[8:6] in 9:7.
    @inline(__always)
    private static func doubleStackStoreOffset(_ c: UInt32) -> UInt32 {
        E.field(c, 12, 10) << 3 | E.field(c, 9, 7) << 6
    }
}
