import Testing
import Machine
@testable import RISCV64

@Suite struct CompressedTests {
    @Test func compressedFormsComputeLikeTheirExpansions() throws {
        let rig = try GuestRig(compressed: """
            li sp, 0x80080000
            c.li a0, -3
            c.addi a0, 5
            c.addiw a0, 1
            c.lui a1, 0x1F
            c.mv a2, a0
            c.add a2, a1
            c.addi16sp sp, -64
            c.addi4spn s0, sp, 16
            c.sdsp a2, 8(sp)
            c.ldsp a3, 8(sp)
            c.swsp a0, 0(sp)
            c.lwsp a4, 0(sp)
            c.sd a2, 0(s0)
            c.ld a5, 0(s0)
            c.sw a0, 8(s0)
            c.lw s1, 8(s0)
            mv t4, a4
            mv t5, a1
            li a4, 0x70
            c.srli a4, 4
            c.slli a4, 60
            mv a6, a4
            li a4, -64
            c.srai a4, 3
            c.andi a4, 0x1F
            mv a7, a4
            c.sub a5, a0
            li s1, 6
            c.xor s1, a0
            c.or s1, a0
            c.and s1, a0
            c.subw s1, a0
            c.addw s1, a0
            li a1, 0
            c.beqz a1, 1f
            c.li a1, 9
        1:  c.bnez a1, 2f
            c.li t1, 7
        2:  c.j 3f
            c.li t1, 1
        3:  lla t2, 4f
            c.jalr t2
            c.j exit
        4:  mv t3, ra
            c.jr ra
        """)
        rig.run()
        #expect(rig["a0"] == 3)
        #expect(rig["t5"] == 0x1F000)
        #expect(rig["a2"] == 0x1F003)
        #expect(rig["sp"] == 0x8008_0000 - 64)
        #expect(rig["s0"] == 0x8008_0000 - 48)
        #expect(rig["a3"] == 0x1F003)
        #expect(rig["t4"] == 3)
        #expect(rig["a5"] == 0x1F000)
        #expect(rig["a6"] == 7 << 60)
        #expect(rig["a7"] == 0x18)
        #expect(rig["s1"] == 3)
        #expect(rig["a1"] == 0)
        #expect(rig["t1"] == 7)
        #expect(rig["t3"] == rig["t2"] - 2, "c.jalr links to the next 2-byte instruction")
    }

    @Test func expansionMatchesTheAssemblerForEveryRegisterCombination() throws {
        // c.add rd, rs2 for all rd, rs2 != 0 expands to add rd, rd, rs2.
        for rd in 1..<32 {
            for rs2 in 1..<32 {
                let half = UInt16(0x9002 | rd << 7 | rs2 << 2)
                let word = RISCV64Encoding.r(0, rs2: UInt32(rs2), rs1: UInt32(rd), funct3: 0, rd: UInt32(rd), opcode: 0b0110011)
                #expect(RISCV64Compressed.expand(half) == word)
            }
        }
        #expect(RISCV64Compressed.expand(0) == nil, "the all-zero halfword is illegal")
        #expect(RISCV64Compressed.expand(0x8002) == nil, "c.jr with rs1 = 0 is reserved")
        #expect(RISCV64Compressed.expand(0x6101) == nil, "c.addi16sp with 0 is reserved")
    }
}

@Suite struct CompressedExpansionTests {
    @Test func everyHalfwordExpandsAsTheSpecTablesSay() {
        var mismatches: [String] = []
        var illegal = 0
        for value in 0...UInt32(UInt16.max) {
            let half = UInt16(value)
            let expected = CompressedReference.expand(half)
            if expected == nil { illegal += 1 }
            let actual = RISCV64Compressed.expand(half)
            if actual != expected, mismatches.count < 20 {
                let show = { (word: UInt32?) in word.map { String($0, radix: 16) } ?? "illegal" }
                mismatches.append("\(String(half, radix: 16)): \(show(actual)), expected \(show(expected))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // The 16384 halfwords with bits 1:0 = 11 are not compressed; the rest of the illegal ones
        // are the reserved encodings (quadrant 0 funct3 100, zero immediates, rd = x0).
        #expect(illegal > 16384)
    }
}

@Suite struct DecodeTableTests {
    /// The grouped lookup must pick the row a first-match search of the table picks.
    @Test func groupedLookupPicksTheFirstMatchingRow() {
        var rng = SplitMix64(seed: 0x5EED_DEC0)
        var mismatches: [String] = []
        func check(_ word: UInt32) {
            let expected = RISCV64DecodeTable.rows.first { word & $0.mask == $0.match }?.action
            if RISCV64DecodeTable.decode(word) != expected, mismatches.count < 20 {
                mismatches.append(String(word, radix: 16))
            }
        }
        // Every major opcode, funct3 and funct7 with the other fields random, then words from
        // each row's own pattern, then anything.
        for opcode in UInt32(0)..<128 {
            for funct3 in UInt32(0)..<8 {
                for funct7 in UInt32(0)..<128 {
                    check(funct7 << 25 | funct3 << 12 | opcode | UInt32(truncatingIfNeeded: rng.next()) & 0x01FF_8F80)
                }
            }
        }
        for row in RISCV64DecodeTable.rows {
            for _ in 0..<256 { check(row.match | UInt32(truncatingIfNeeded: rng.next()) & ~row.mask) }
        }
        for _ in 0..<(1 << 18) { check(UInt32(truncatingIfNeeded: rng.next())) }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
