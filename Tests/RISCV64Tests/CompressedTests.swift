import Testing
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
                #expect(RISCV64CompressedTable.expand(half) == word)
            }
        }
        #expect(RISCV64CompressedTable.expand(0) == nil, "the all-zero halfword is illegal")
        #expect(RISCV64CompressedTable.expand(0x8002) == nil, "c.jr with rs1 = 0 is reserved")
        #expect(RISCV64CompressedTable.expand(0x6101) == nil, "c.addi16sp with 0 is reserved")
    }
}
