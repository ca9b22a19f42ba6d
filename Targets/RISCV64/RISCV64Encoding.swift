/// Builders for the six 32-bit RISC-V instruction formats (unprivileged ISA §2.2-2.3). The
/// compressed-instruction expander uses them to write each RVC instruction as its 32-bit
/// equivalent, and tests use them to assemble guest code.
enum RISCV64Encoding {
    static func r(_ funct7: UInt32, rs2: UInt32, rs1: UInt32, funct3: UInt32, rd: UInt32, opcode: UInt32) -> UInt32 {
        funct7 << 25 | (rs2 & 31) << 20 | (rs1 & 31) << 15 | (funct3 & 7) << 12 | (rd & 31) << 7 | opcode
    }

    static func i(_ imm: Int32, rs1: UInt32, funct3: UInt32, rd: UInt32, opcode: UInt32) -> UInt32 {
        (UInt32(bitPattern: imm) & 0xFFF) << 20 | (rs1 & 31) << 15 | (funct3 & 7) << 12 | (rd & 31) << 7 | opcode
    }

    static func s(_ imm: Int32, rs2: UInt32, rs1: UInt32, funct3: UInt32, opcode: UInt32) -> UInt32 {
        let v = UInt32(bitPattern: imm)
        return (v >> 5 & 0x7F) << 25 | (rs2 & 31) << 20 | (rs1 & 31) << 15 | (funct3 & 7) << 12 | (v & 31) << 7 | opcode
    }

    static func b(_ imm: Int32, rs2: UInt32, rs1: UInt32, funct3: UInt32, opcode: UInt32 = 0b1100011) -> UInt32 {
        let v = UInt32(bitPattern: imm)
        return (v >> 12 & 1) << 31 | (v >> 5 & 0x3F) << 25 | (rs2 & 31) << 20 | (rs1 & 31) << 15
            | (funct3 & 7) << 12 | (v >> 1 & 0xF) << 8 | (v >> 11 & 1) << 7 | opcode
    }

    /// `imm` is the full 32-bit value whose upper 20 bits are encoded.
    static func u(_ imm: Int32, rd: UInt32, opcode: UInt32) -> UInt32 {
        UInt32(bitPattern: imm) & 0xFFFF_F000 | (rd & 31) << 7 | opcode
    }

    static func j(_ imm: Int32, rd: UInt32, opcode: UInt32 = 0b1101111) -> UInt32 {
        let v = UInt32(bitPattern: imm)
        return (v >> 20 & 1) << 31 | (v >> 1 & 0x3FF) << 21 | (v >> 11 & 1) << 20 | (v >> 12 & 0xFF) << 12
            | (rd & 31) << 7 | opcode
    }

    /// Bits `high...low` of `x`, shifted down. Always inlined: the decoders call it through a
    /// local alias (`let f = RISCV64Encoding.field`) several times per instruction.
    @inline(__always)
    static func field(_ x: UInt32, _ high: Int, _ low: Int) -> UInt32 {
        (x >> UInt32(low)) & ((1 << UInt32(high - low + 1)) - 1)
    }

    /// Sign-extends the low `width` bits of `x`.
    @inline(__always)
    static func signExtend(_ x: UInt32, width: Int) -> Int32 {
        Int32(bitPattern: x << UInt32(32 - width)) >> Int32(32 - width)
    }
}
