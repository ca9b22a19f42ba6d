import Translator

/// One row of a decode table: the bits an encoding must have, written as in the ISA manual's
/// opcode maps (most significant bit first, `0`/`1` fixed, `.` free, spaces ignored).
struct EncodingPattern: Sendable {
    let name: String
    let mask: UInt32
    let match: UInt32
    let action: RISCV64Action

    init(_ name: String, _ bits: String, _ action: RISCV64Action) {
        var mask: UInt32 = 0, match: UInt32 = 0, count = 0
        for ch in bits where ch != " " {
            mask <<= 1
            match <<= 1
            switch ch {
            case "0": mask |= 1
            case "1": mask |= 1; match |= 1
            case ".": break
            default: preconditionFailure("bad pattern character in \(name)")
            }
            count += 1
        }
        precondition(count == 32, "pattern for \(name) has \(count) bits")
        self.name = name
        self.mask = mask
        self.match = match
        self.action = action
    }
}

/// The 32-bit RISC-V encodings xemu executes (unprivileged ISA 20191213, chapters 2, 5, 7, 8, 9,
/// 11, 12 and the chapter 24 opcode map; privileged ISA 20211203 §3.3 and §4.2 for mret/sret/wfi/sfence.vma; Zba/Zbb/Zbs 1.0.0).
/// The first matching row wins; rows are grouped by major opcode and funct3 for lookup.
enum RISCV64DecodeTable {
    static let rows: [EncodingPattern] = integerRows + floatRows

    static let integerRows: [EncodingPattern] = [
        // RV64I (§2.4-2.7, §5.2-5.3)
        .init("lui",    "....................  ..... 0110111", .lui),
        .init("auipc",  "....................  ..... 0010111", .auipc),
        .init("jal",    "....................  ..... 1101111", .jal),
        .init("jalr",   "............ ..... 000 ..... 1100111", .jalr),
        .init("beq",    "....... ..... ..... 000 ..... 1100011", .branch(.branchEqual)),
        .init("bne",    "....... ..... ..... 001 ..... 1100011", .branch(.branchNotEqual)),
        .init("blt",    "....... ..... ..... 100 ..... 1100011", .branch(.branchLess)),
        .init("bge",    "....... ..... ..... 101 ..... 1100011", .branch(.branchGreaterEqual)),
        .init("bltu",   "....... ..... ..... 110 ..... 1100011", .branch(.branchLessUnsigned)),
        .init("bgeu",   "....... ..... ..... 111 ..... 1100011", .branch(.branchGreaterEqualUnsigned)),
        .init("lb",     "............ ..... 000 ..... 0000011", .load(.load8)),
        .init("lh",     "............ ..... 001 ..... 0000011", .load(.load16)),
        .init("lw",     "............ ..... 010 ..... 0000011", .load(.load32)),
        .init("ld",     "............ ..... 011 ..... 0000011", .load(.load64)),
        .init("lbu",    "............ ..... 100 ..... 0000011", .load(.load8Unsigned)),
        .init("lhu",    "............ ..... 101 ..... 0000011", .load(.load16Unsigned)),
        .init("lwu",    "............ ..... 110 ..... 0000011", .load(.load32Unsigned)),
        .init("sb",     "....... ..... ..... 000 ..... 0100011", .store(.store8)),
        .init("sh",     "....... ..... ..... 001 ..... 0100011", .store(.store16)),
        .init("sw",     "....... ..... ..... 010 ..... 0100011", .store(.store32)),
        .init("sd",     "....... ..... ..... 011 ..... 0100011", .store(.store64)),
        .init("addi",   "............ ..... 000 ..... 0010011", .immediate(.addImm)),
        .init("slti",   "............ ..... 010 ..... 0010011", .immediate(.setLessThanImm)),
        .init("sltiu",  "............ ..... 011 ..... 0010011", .immediate(.setLessThanUnsignedImm)),
        .init("xori",   "............ ..... 100 ..... 0010011", .immediate(.xorImm)),
        .init("ori",    "............ ..... 110 ..... 0010011", .immediate(.orImm)),
        .init("andi",   "............ ..... 111 ..... 0010011", .immediate(.andImm)),
        .init("slli",   "000000 ...... ..... 001 ..... 0010011", .shiftImmediate(.shiftLeftImm)),
        .init("srli",   "000000 ...... ..... 101 ..... 0010011", .shiftImmediate(.shiftRightLogicalImm)),
        .init("srai",   "010000 ...... ..... 101 ..... 0010011", .shiftImmediate(.shiftRightArithmeticImm)),
        .init("add",    "0000000 ..... ..... 000 ..... 0110011", .register(.add)),
        .init("sub",    "0100000 ..... ..... 000 ..... 0110011", .register(.sub)),
        .init("sll",    "0000000 ..... ..... 001 ..... 0110011", .register(.shiftLeft)),
        .init("slt",    "0000000 ..... ..... 010 ..... 0110011", .register(.setLessThan)),
        .init("sltu",   "0000000 ..... ..... 011 ..... 0110011", .register(.setLessThanUnsigned)),
        .init("xor",    "0000000 ..... ..... 100 ..... 0110011", .register(.xor)),
        .init("srl",    "0000000 ..... ..... 101 ..... 0110011", .register(.shiftRightLogical)),
        .init("sra",    "0100000 ..... ..... 101 ..... 0110011", .register(.shiftRightArithmetic)),
        .init("or",     "0000000 ..... ..... 110 ..... 0110011", .register(.or)),
        .init("and",    "0000000 ..... ..... 111 ..... 0110011", .register(.and)),
        .init("addiw",  "............ ..... 000 ..... 0011011", .immediate(.addImmW)),
        .init("slliw",  "0000000 ..... ..... 001 ..... 0011011", .shiftImmediateW(.shiftLeftImmW)),
        .init("srliw",  "0000000 ..... ..... 101 ..... 0011011", .shiftImmediateW(.shiftRightLogicalImmW)),
        .init("sraiw",  "0100000 ..... ..... 101 ..... 0011011", .shiftImmediateW(.shiftRightArithmeticImmW)),
        .init("addw",   "0000000 ..... ..... 000 ..... 0111011", .register(.addW)),
        .init("subw",   "0100000 ..... ..... 000 ..... 0111011", .register(.subW)),
        .init("sllw",   "0000000 ..... ..... 001 ..... 0111011", .register(.shiftLeftW)),
        .init("srlw",   "0000000 ..... ..... 101 ..... 0111011", .register(.shiftRightLogicalW)),
        .init("sraw",   "0100000 ..... ..... 101 ..... 0111011", .register(.shiftRightArithmeticW)),
        .init("fence",  "............ ..... 000 ..... 0001111", .fence),
        .init("ecall",  "000000000000 00000 000 00000 1110011", .ecall),
        .init("ebreak", "000000000001 00000 000 00000 1110011", .ebreak),
        // Zifencei (§3)
        .init("fence.i", "............ ..... 001 ..... 0001111", .fenceI),
        // Privileged (§3.3.2, §3.3.3)
        .init("mret",   "0011000 00010 00000 000 00000 1110011", .mret),
        .init("wfi",    "0001000 00101 00000 000 00000 1110011", .wfi),
        .init("sret",   "0001000 00010 00000 000 00000 1110011", .sret),
        .init("sfence.vma", "0001001 ..... ..... 000 00000 1110011", .sfenceVMA),
        // Zicsr (§9)
        .init("csrrw",  "............ ..... 001 ..... 1110011", .csr),
        .init("csrrs",  "............ ..... 010 ..... 1110011", .csr),
        .init("csrrc",  "............ ..... 011 ..... 1110011", .csr),
        .init("csrrwi", "............ ..... 101 ..... 1110011", .csr),
        .init("csrrsi", "............ ..... 110 ..... 1110011", .csr),
        .init("csrrci", "............ ..... 111 ..... 1110011", .csr),
        // M (§7)
        .init("mul",    "0000001 ..... ..... 000 ..... 0110011", .register(.mul)),
        .init("mulh",   "0000001 ..... ..... 001 ..... 0110011", .register(.mulHigh)),
        .init("mulhsu", "0000001 ..... ..... 010 ..... 0110011", .register(.mulHighSignedUnsigned)),
        .init("mulhu",  "0000001 ..... ..... 011 ..... 0110011", .register(.mulHighUnsigned)),
        .init("div",    "0000001 ..... ..... 100 ..... 0110011", .register(.div)),
        .init("divu",   "0000001 ..... ..... 101 ..... 0110011", .register(.divUnsigned)),
        .init("rem",    "0000001 ..... ..... 110 ..... 0110011", .register(.rem)),
        .init("remu",   "0000001 ..... ..... 111 ..... 0110011", .register(.remUnsigned)),
        .init("mulw",   "0000001 ..... ..... 000 ..... 0111011", .register(.mulW)),
        .init("divw",   "0000001 ..... ..... 100 ..... 0111011", .register(.divW)),
        .init("divuw",  "0000001 ..... ..... 101 ..... 0111011", .register(.divUnsignedW)),
        .init("remw",   "0000001 ..... ..... 110 ..... 0111011", .register(.remW)),
        .init("remuw",  "0000001 ..... ..... 111 ..... 0111011", .register(.remUnsignedW)),
        // A (§8): funct5, aq, rl, rs2, rs1, width, rd, opcode
        .init("lr.w",      "00010 . . 00000 ..... 010 ..... 0101111", .loadReserved(.loadReserved32)),
        .init("lr.d",      "00010 . . 00000 ..... 011 ..... 0101111", .loadReserved(.loadReserved64)),
        .init("sc.w",      "00011 . . ..... ..... 010 ..... 0101111", .storeConditional(.storeConditional32)),
        .init("sc.d",      "00011 . . ..... ..... 011 ..... 0101111", .storeConditional(.storeConditional64)),
        .init("amoswap.w", "00001 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .swap)),
        .init("amoadd.w",  "00000 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .add)),
        .init("amoxor.w",  "00100 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .xor)),
        .init("amoand.w",  "01100 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .and)),
        .init("amoor.w",   "01000 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .or)),
        .init("amomin.w",  "10000 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .min)),
        .init("amomax.w",  "10100 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .max)),
        .init("amominu.w", "11000 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .minUnsigned)),
        .init("amomaxu.w", "11100 . . ..... ..... 010 ..... 0101111", .atomic(.atomic32, .maxUnsigned)),
        .init("amoswap.d", "00001 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .swap)),
        .init("amoadd.d",  "00000 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .add)),
        .init("amoxor.d",  "00100 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .xor)),
        .init("amoand.d",  "01100 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .and)),
        .init("amoor.d",   "01000 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .or)),
        .init("amomin.d",  "10000 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .min)),
        .init("amomax.d",  "10100 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .max)),
        .init("amominu.d", "11000 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .minUnsigned)),
        .init("amomaxu.d", "11100 . . ..... ..... 011 ..... 0101111", .atomic(.atomic64, .maxUnsigned)),
        // Zba
        .init("sh1add",    "0010000 ..... ..... 010 ..... 0110011", .shiftAdd(.shiftAdd, shift: 1)),
        .init("sh2add",    "0010000 ..... ..... 100 ..... 0110011", .shiftAdd(.shiftAdd, shift: 2)),
        .init("sh3add",    "0010000 ..... ..... 110 ..... 0110011", .shiftAdd(.shiftAdd, shift: 3)),
        .init("add.uw",    "0000100 ..... ..... 000 ..... 0111011", .shiftAdd(.shiftAddUnsignedW, shift: 0)),
        .init("sh1add.uw", "0010000 ..... ..... 010 ..... 0111011", .shiftAdd(.shiftAddUnsignedW, shift: 1)),
        .init("sh2add.uw", "0010000 ..... ..... 100 ..... 0111011", .shiftAdd(.shiftAddUnsignedW, shift: 2)),
        .init("sh3add.uw", "0010000 ..... ..... 110 ..... 0111011", .shiftAdd(.shiftAddUnsignedW, shift: 3)),
        .init("slli.uw",   "000010 ...... ..... 001 ..... 0011011", .shiftLeftUnsignedWord),
        // Zbb
        .init("andn",   "0100000 ..... ..... 111 ..... 0110011", .register(.andNot)),
        .init("orn",    "0100000 ..... ..... 110 ..... 0110011", .register(.orNot)),
        .init("xnor",   "0100000 ..... ..... 100 ..... 0110011", .register(.xnor)),
        .init("clz",    "0110000 00000 ..... 001 ..... 0010011", .unary(.countLeadingZeros)),
        .init("ctz",    "0110000 00001 ..... 001 ..... 0010011", .unary(.countTrailingZeros)),
        .init("cpop",   "0110000 00010 ..... 001 ..... 0010011", .unary(.popCount)),
        .init("clzw",   "0110000 00000 ..... 001 ..... 0011011", .unary(.countLeadingZerosW)),
        .init("ctzw",   "0110000 00001 ..... 001 ..... 0011011", .unary(.countTrailingZerosW)),
        .init("cpopw",  "0110000 00010 ..... 001 ..... 0011011", .unary(.popCountW)),
        .init("max",    "0000101 ..... ..... 110 ..... 0110011", .register(.max)),
        .init("maxu",   "0000101 ..... ..... 111 ..... 0110011", .register(.maxUnsigned)),
        .init("min",    "0000101 ..... ..... 100 ..... 0110011", .register(.min)),
        .init("minu",   "0000101 ..... ..... 101 ..... 0110011", .register(.minUnsigned)),
        .init("sext.b", "0110000 00100 ..... 001 ..... 0010011", .unary(.signExtendByte)),
        .init("sext.h", "0110000 00101 ..... 001 ..... 0010011", .unary(.signExtendHalf)),
        .init("zext.h", "0000100 00000 ..... 100 ..... 0111011", .unary(.zeroExtendHalf)),
        .init("rol",    "0110000 ..... ..... 001 ..... 0110011", .register(.rotateLeft)),
        .init("ror",    "0110000 ..... ..... 101 ..... 0110011", .register(.rotateRight)),
        .init("rolw",   "0110000 ..... ..... 001 ..... 0111011", .register(.rotateLeftW)),
        .init("rorw",   "0110000 ..... ..... 101 ..... 0111011", .register(.rotateRightW)),
        .init("rori",   "011000 ...... ..... 101 ..... 0010011", .shiftImmediate(.rotateRightImm)),
        .init("roriw",  "0110000 ..... ..... 101 ..... 0011011", .shiftImmediateW(.rotateRightImmW)),
        .init("orc.b",  "001010000111 ..... 101 ..... 0010011", .unary(.orCombineBytes)),
        .init("rev8",   "011010111000 ..... 101 ..... 0010011", .unary(.byteReverse)),
        // Zbs
        .init("bclr",   "0100100 ..... ..... 001 ..... 0110011", .register(.bitClear)),
        .init("bext",   "0100100 ..... ..... 101 ..... 0110011", .register(.bitExtract)),
        .init("binv",   "0110100 ..... ..... 001 ..... 0110011", .register(.bitInvert)),
        .init("bset",   "0010100 ..... ..... 001 ..... 0110011", .register(.bitSet)),
        .init("bclri",  "010010 ...... ..... 001 ..... 0010011", .shiftImmediate(.bitClearImm)),
        .init("bexti",  "010010 ...... ..... 101 ..... 0010011", .shiftImmediate(.bitExtractImm)),
        .init("binvi",  "011010 ...... ..... 001 ..... 0010011", .shiftImmediate(.bitInvertImm)),
        .init("bseti",  "001010 ...... ..... 001 ..... 0010011", .shiftImmediate(.bitSetImm)),
    ]

    /// A row reduced to what matching needs: no name, so a lookup copies nothing reference-counted.
    struct Entry: Sendable {
        let mask: UInt32
        let match: UInt32
        let action: RISCV64Action
    }

    /// The rows by major opcode (bits 6:2) and funct3 (bits 14:12), in table order, each row
    /// under every funct3 it admits: most groups hold one to three rows, so a lookup tests few.
    /// Group `key` is `entries[groupStart[key] ..< groupStart[key + 1]]`.
    static let (entries, groupStart): ([Entry], [Int32]) = {
        var groups = Array(repeating: [Entry](), count: groupCount)
        for row in rows {
            precondition(row.mask & 0x7F == 0x7F, "\(row.name) does not fix its major opcode")
            for funct3 in UInt32(0)..<8 where row.mask & funct3Mask & (funct3 << 12 ^ row.match) == 0 {
                groups[groupKey(row.match & ~funct3Mask | funct3 << 12)].append(Entry(mask: row.mask, match: row.match, action: row.action))
            }
        }
        var starts: [Int32] = [0]
        for group in groups { starts.append(starts[starts.count - 1] + Int32(group.count)) }
        return (groups.flatMap { $0 }, starts)
    }()

    private static let funct3Mask: UInt32 = 0x7000
    private static let groupCount = 32 * 8

    @inline(__always)
    private static func groupKey(_ word: UInt32) -> Int {
        Int(truncatingIfNeeded: (word >> 2 & 0x1F) << 3 | (word >> 12 & 7))
    }

    /// What a 32-bit instruction does, or nil for an illegal or unsupported one.
    static func decode(_ word: UInt32) -> RISCV64Action? {
        guard word & 3 == 3 else { return nil }
        let entries = entries, groupStart = groupStart
        let key = groupKey(word)
        var i = Int(groupStart[key])
        let end = Int(groupStart[key + 1])
        while i < end {
            let entry = entries[i]
            if word & entry.mask == entry.match { return entry.action }
            i += 1
        }
        return nil
    }
}
