@testable import RISCV64

/// A reference RVC expander for the tests: the spec's opcode maps (unprivileged ISA §16, tables
/// 16.5-16.7) written row by row as bit patterns and searched in order, with each row's fields
/// mapped onto its 32-bit equivalent. Slow and plain, so the fast expander the front end uses
/// (`RISCV64Compressed`) can be checked against it for every halfword.
enum CompressedReference {
    /// How a row's fields map onto its 32-bit equivalent.
    enum Form: Sendable {
        case addi4spn, lw, ld, sw, sd, fld, fsd, fldsp, fsdsp
        case addi, addiw, li, addi16spOrLui, srli, srai, andi, arithmetic, j, beqz, bnez
        case slli, lwsp, ldsp, jrMvEbreakJalrAdd, swsp, sdsp
    }

    struct Row: Sendable {
        let name: String
        let mask: UInt16
        let match: UInt16
        let form: Form

        init(_ name: String, _ bits: String, _ form: Form) {
            var mask: UInt16 = 0, match: UInt16 = 0
            for ch in bits where ch != " " {
                mask <<= 1
                match <<= 1
                if ch != "." { mask |= 1 }
                if ch == "1" { match |= 1 }
            }
            self.name = name
            self.mask = mask
            self.match = match
            self.form = form
        }
    }

    static let rows: [Row] = [
        .init("c.addi4spn", "000 ........ ... 00", .addi4spn),
        .init("c.fld",      "001 ... ... .. ... 00", .fld),
        .init("c.lw",       "010 ... ... .. ... 00", .lw),
        .init("c.ld",       "011 ... ... .. ... 00", .ld),
        .init("c.fsd",      "101 ... ... .. ... 00", .fsd),
        .init("c.sw",       "110 ... ... .. ... 00", .sw),
        .init("c.sd",       "111 ... ... .. ... 00", .sd),
        .init("c.addi",     "000 . ..... ..... 01", .addi),
        .init("c.addiw",    "001 . ..... ..... 01", .addiw),
        .init("c.li",       "010 . ..... ..... 01", .li),
        .init("c.addi16sp/c.lui", "011 . ..... ..... 01", .addi16spOrLui),
        .init("c.srli",     "100 . 00 ... ..... 01", .srli),
        .init("c.srai",     "100 . 01 ... ..... 01", .srai),
        .init("c.andi",     "100 . 10 ... ..... 01", .andi),
        .init("c.sub/xor/or/and/subw/addw", "100 . 11 ... .. ... 01", .arithmetic),
        .init("c.j",        "101 ........... 01", .j),
        .init("c.beqz",     "110 ... ... ..... 01", .beqz),
        .init("c.bnez",     "111 ... ... ..... 01", .bnez),
        .init("c.slli",     "000 . ..... ..... 10", .slli),
        .init("c.fldsp",    "001 . ..... ..... 10", .fldsp),
        .init("c.lwsp",     "010 . ..... ..... 10", .lwsp),
        .init("c.ldsp",     "011 . ..... ..... 10", .ldsp),
        .init("c.jr/mv/ebreak/jalr/add", "100 . ..... ..... 10", .jrMvEbreakJalrAdd),
        .init("c.fsdsp",    "101 . ..... ..... 10", .fsdsp),
        .init("c.swsp",     "110 . ..... ..... 10", .swsp),
        .init("c.sdsp",     "111 . ..... ..... 10", .sdsp),
    ]

    private typealias E = RISCV64Encoding

    /// The 32-bit equivalent of a compressed instruction, or nil if it is reserved or unsupported.
    static func expand(_ half: UInt16) -> UInt32? {
        guard let row = rows.first(where: { half & $0.mask == $0.match }) else { return nil }
        let c = UInt32(half)
        let f = E.field
        let rdFull = f(c, 11, 7), rs2Full = f(c, 6, 2)
        let rdPrime = 8 + f(c, 4, 2), rs1Prime = 8 + f(c, 9, 7)
        let imm6 = E.signExtend(f(c, 12, 12) << 5 | f(c, 6, 2), width: 6)
        let shamt = f(c, 12, 12) << 5 | f(c, 6, 2)
        switch row.form {
        case .addi4spn:
            let uimm = f(c, 12, 11) << 4 | f(c, 10, 7) << 6 | f(c, 6, 6) << 2 | f(c, 5, 5) << 3
            guard uimm != 0 else { return nil }
            return E.i(Int32(uimm), rs1: 2, funct3: 0, rd: rdPrime, opcode: 0b0010011)
        case .lw, .sw:
            let uimm = f(c, 12, 10) << 3 | f(c, 6, 6) << 2 | f(c, 5, 5) << 6
            return row.form == .lw
                ? E.i(Int32(uimm), rs1: rs1Prime, funct3: 2, rd: rdPrime, opcode: 0b0000011)
                : E.s(Int32(uimm), rs2: rdPrime, rs1: rs1Prime, funct3: 2, opcode: 0b0100011)
        case .ld, .sd, .fld, .fsd:
            let uimm = f(c, 12, 10) << 3 | f(c, 6, 5) << 6
            switch row.form {
            case .ld: return E.i(Int32(uimm), rs1: rs1Prime, funct3: 3, rd: rdPrime, opcode: 0b0000011)
            case .fld: return E.i(Int32(uimm), rs1: rs1Prime, funct3: 3, rd: rdPrime, opcode: 0b0000111)
            case .sd: return E.s(Int32(uimm), rs2: rdPrime, rs1: rs1Prime, funct3: 3, opcode: 0b0100011)
            default: return E.s(Int32(uimm), rs2: rdPrime, rs1: rs1Prime, funct3: 3, opcode: 0b0100111)
            }
        case .addi:
            return E.i(imm6, rs1: rdFull, funct3: 0, rd: rdFull, opcode: 0b0010011)
        case .addiw:
            guard rdFull != 0 else { return nil }
            return E.i(imm6, rs1: rdFull, funct3: 0, rd: rdFull, opcode: 0b0011011)
        case .li:
            return E.i(imm6, rs1: 0, funct3: 0, rd: rdFull, opcode: 0b0010011)
        case .addi16spOrLui:
            if rdFull == 2 {
                let raw = f(c, 12, 12) << 9 | f(c, 6, 6) << 4 | f(c, 5, 5) << 6 | f(c, 4, 3) << 7 | f(c, 2, 2) << 5
                guard raw != 0 else { return nil }
                return E.i(E.signExtend(raw, width: 10), rs1: 2, funct3: 0, rd: 2, opcode: 0b0010011)
            }
            guard imm6 != 0 else { return nil }
            return E.u(imm6 << 12, rd: rdFull, opcode: 0b0110111)
        case .srli:
            return E.i(Int32(shamt), rs1: rs1Prime, funct3: 5, rd: rs1Prime, opcode: 0b0010011)
        case .srai:
            return E.i(Int32(0x400 | shamt), rs1: rs1Prime, funct3: 5, rd: rs1Prime, opcode: 0b0010011)
        case .andi:
            return E.i(imm6, rs1: rs1Prime, funct3: 7, rd: rs1Prime, opcode: 0b0010011)
        case .arithmetic:
            let rs2 = 8 + f(c, 4, 2)
            switch (f(c, 12, 12), f(c, 6, 5)) {
            case (0, 0): return E.r(0b0100000, rs2: rs2, rs1: rs1Prime, funct3: 0, rd: rs1Prime, opcode: 0b0110011)
            case (0, 1): return E.r(0, rs2: rs2, rs1: rs1Prime, funct3: 4, rd: rs1Prime, opcode: 0b0110011)
            case (0, 2): return E.r(0, rs2: rs2, rs1: rs1Prime, funct3: 6, rd: rs1Prime, opcode: 0b0110011)
            case (0, 3): return E.r(0, rs2: rs2, rs1: rs1Prime, funct3: 7, rd: rs1Prime, opcode: 0b0110011)
            case (1, 0): return E.r(0b0100000, rs2: rs2, rs1: rs1Prime, funct3: 0, rd: rs1Prime, opcode: 0b0111011)
            case (1, 1): return E.r(0, rs2: rs2, rs1: rs1Prime, funct3: 0, rd: rs1Prime, opcode: 0b0111011)
            default: return nil
            }
        case .j:
            let raw = f(c, 12, 12) << 11 | f(c, 11, 11) << 4 | f(c, 10, 9) << 8 | f(c, 8, 8) << 10
                | f(c, 7, 7) << 6 | f(c, 6, 6) << 7 | f(c, 5, 3) << 1 | f(c, 2, 2) << 5
            return E.j(E.signExtend(raw, width: 12), rd: 0)
        case .beqz, .bnez:
            let raw = f(c, 12, 12) << 8 | f(c, 11, 10) << 3 | f(c, 6, 5) << 6 | f(c, 4, 3) << 1 | f(c, 2, 2) << 5
            return E.b(E.signExtend(raw, width: 9), rs2: 0, rs1: rs1Prime, funct3: row.form == .beqz ? 0 : 1)
        case .slli:
            return E.i(Int32(shamt), rs1: rdFull, funct3: 1, rd: rdFull, opcode: 0b0010011)
        case .lwsp:
            guard rdFull != 0 else { return nil }
            let uimm = f(c, 12, 12) << 5 | f(c, 6, 4) << 2 | f(c, 3, 2) << 6
            return E.i(Int32(uimm), rs1: 2, funct3: 2, rd: rdFull, opcode: 0b0000011)
        case .ldsp:
            guard rdFull != 0 else { return nil }
            let uimm = f(c, 12, 12) << 5 | f(c, 6, 5) << 3 | f(c, 4, 2) << 6
            return E.i(Int32(uimm), rs1: 2, funct3: 3, rd: rdFull, opcode: 0b0000011)
        case .fldsp:
            let uimm = f(c, 12, 12) << 5 | f(c, 6, 5) << 3 | f(c, 4, 2) << 6
            return E.i(Int32(uimm), rs1: 2, funct3: 3, rd: rdFull, opcode: 0b0000111)
        case .jrMvEbreakJalrAdd:
            switch (f(c, 12, 12), rdFull, rs2Full) {
            case (0, 0, 0): return nil
            case (0, _, 0): return E.i(0, rs1: rdFull, funct3: 0, rd: 0, opcode: 0b1100111)
            case (0, _, _): return E.r(0, rs2: rs2Full, rs1: 0, funct3: 0, rd: rdFull, opcode: 0b0110011)
            case (1, 0, 0): return 0x0010_0073
            case (1, _, 0): return E.i(0, rs1: rdFull, funct3: 0, rd: 1, opcode: 0b1100111)
            default: return E.r(0, rs2: rs2Full, rs1: rdFull, funct3: 0, rd: rdFull, opcode: 0b0110011)
            }
        case .swsp:
            let uimm = f(c, 12, 9) << 2 | f(c, 8, 7) << 6
            return E.s(Int32(uimm), rs2: rs2Full, rs1: 2, funct3: 2, opcode: 0b0100011)
        case .sdsp, .fsdsp:
            let uimm = f(c, 12, 10) << 3 | f(c, 9, 7) << 6
            return E.s(Int32(uimm), rs2: rs2Full, rs1: 2, funct3: 3, opcode: row.form == .sdsp ? 0b0100011 : 0b0100111)
        }
    }
}
