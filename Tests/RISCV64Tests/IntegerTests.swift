import Testing
@testable import RISCV64

@Suite struct IntegerTests {
    @Test func arithmeticLogicAndCompare() throws {
        let rig = try GuestRig("""
            li a0, 7
            li a1, -3
            add a2, a0, a1
            sub a3, a1, a0
            and a4, a0, a1
            or a5, a0, a1
            xor a6, a0, a1
            slt a7, a1, a0
            sltu s2, a1, a0
            slti s3, a1, -2
            sltiu s4, a0, -1
            xori s5, a0, -1
            addi zero, a0, 5
            lui s6, 0xFFFFF
            auipc s7, 0
        """)
        rig.run()
        #expect(rig.signed("a2") == 4)
        #expect(rig.signed("a3") == -10)
        #expect(rig["a4"] == 7 & UInt64(bitPattern: -3))
        #expect(rig.signed("a5") == -1)
        #expect(rig.signed("a6") == 7 ^ -3)
        #expect(rig["a7"] == 1)
        #expect(rig["s2"] == 0)
        #expect(rig["s3"] == 1)
        #expect(rig["s4"] == 1)
        #expect(rig.signed("s5") == ~7)
        #expect(rig["zero"] == 0)
        #expect(rig["s6"] == 0xFFFF_FFFF_FFFF_F000)
        #expect(rig["s7"] == GuestRig.ramBase + 13 * 4 + 4)
    }

    @Test func shiftsUseLowSixBitsOfRegisterOperands() throws {
        let rig = try GuestRig("""
            li a0, 0x8000000000000001
            li t0, 64
            li t1, 65
            li t2, 127
            sll a1, a0, t0
            sll a2, a0, t1
            srl a3, a0, t2
            sra a4, a0, t2
            sra a5, a0, t1
            slli a6, a0, 63
            srai a7, a0, 4
            srli s2, a0, 60
        """)
        rig.run()
        #expect(rig["a1"] == 0x8000_0000_0000_0001)
        #expect(rig["a2"] == 2)
        #expect(rig["a3"] == 1)
        #expect(rig.signed("a4") == -1)
        #expect(rig["a5"] == 0xC000_0000_0000_0000)
        #expect(rig["a6"] == 0x8000_0000_0000_0000)
        #expect(rig["a7"] == 0xF800_0000_0000_0000)
        #expect(rig["s2"] == 8)
    }

    @Test func wordOpsSignExtendTheirResults() throws {
        let rig = try GuestRig("""
            li a0, 0x7FFFFFFF
            li t0, 33
            addiw a1, a0, 1
            addw a2, a0, a0
            subw a3, zero, a0
            sllw a4, a0, t0
            li a5, 0x80000000
            srlw a6, a5, t0
            sraw a7, a5, t0
            slliw s2, a0, 31
            srliw s3, a5, 31
            sraiw s4, a5, 31
            li s5, 0x123456789
            addiw s6, s5, 0
        """)
        rig.run()
        #expect(rig["a1"] == 0xFFFF_FFFF_8000_0000)
        #expect(rig.signed("a2") == -2)
        #expect(rig.signed("a3") == -0x7FFF_FFFF)
        #expect(rig.signed("a4") == -2)
        #expect(rig["a6"] == 0x4000_0000)
        #expect(rig["a7"] == 0xFFFF_FFFF_C000_0000)
        #expect(rig["s2"] == 0xFFFF_FFFF_8000_0000)
        #expect(rig["s3"] == 1)
        #expect(rig.signed("s4") == -1)
        #expect(rig["s6"] == 0x2345_6789)
    }

    @Test func multiplyAndDivideEdgeCases() throws {
        let rig = try GuestRig("""
            li a0, -7
            li a1, 2
            li t0, 0x8000000000000000
            li t1, -1
            mul s2, a0, a1
            mulh s3, t0, t0
            mulhu s4, t1, t1
            mulhsu s5, t1, t1
            div s6, a0, a1
            rem s7, a0, a1
            div s8, a0, zero
            divu s9, a0, zero
            rem s10, a0, zero
            remu s11, a0, zero
            div t3, t0, t1
            rem t4, t0, t1
            li t2, 0x80000000
            divw a2, t2, t1
            remw a3, t2, t1
            divuw a4, t1, a1
            remuw a5, a0, zero
            mulw a6, t2, a1
            divw a7, a0, zero
        """)
        rig.run()
        #expect(rig.signed("s2") == -14)
        #expect(rig["s3"] == 0x4000_0000_0000_0000)
        #expect(rig["s4"] == 0xFFFF_FFFF_FFFF_FFFE)
        #expect(rig["s5"] == 0xFFFF_FFFF_FFFF_FFFF)
        #expect(rig.signed("s6") == -3)
        #expect(rig.signed("s7") == -1)
        #expect(rig.signed("s8") == -1)
        #expect(rig["s9"] == .max)
        #expect(rig.signed("s10") == -7)
        #expect(rig.signed("s11") == -7)
        #expect(rig["t3"] == 0x8000_0000_0000_0000)
        #expect(rig["t4"] == 0)
        #expect(rig["a2"] == 0xFFFF_FFFF_8000_0000)
        #expect(rig["a3"] == 0)
        #expect(rig["a4"] == 0x7FFF_FFFF)
        #expect(rig.signed("a5") == -7)
        #expect(rig["a6"] == 0)
        #expect(rig.signed("a7") == -1)
    }

    @Test func branchesJumpsAndLinks() throws {
        let rig = try GuestRig("""
            li a0, 0
            li t0, -1
            li t1, 1
            blt t0, t1, 1f
            addi a0, a0, 100
        1:  bltu t0, t1, 2f
            addi a0, a0, 1
        2:  bge t1, t0, 3f
            addi a0, a0, 100
        3:  bgeu t1, t0, 4f
            addi a0, a0, 2
        4:  beq t0, t0, 5f
            addi a0, a0, 100
        5:  bne t0, t0, 6f
            addi a0, a0, 4
        6:  jal ra, func
            addi a0, a0, 8
            la t2, func2
            jalr t2, 0(t2)
            j exit
        func:
            addi a0, a0, 16
            ret
        func2:
            mv a1, t2
            jr t2
        """)
        rig.run()
        #expect(rig["a0"] == 1 + 2 + 4 + 8 + 16)
        #expect(rig["a1"] == rig["t2"])
    }

    @Test func loadsStoresWidthsAndMisalignment() throws {
        let rig = try GuestRig("""
            la s0, data
            li t0, 0x8899AABBCCDDEEFF
            sd t0, 0(s0)
            lb a0, 0(s0)
            lbu a1, 0(s0)
            lh a2, 2(s0)
            lhu a3, 2(s0)
            lw a4, 4(s0)
            lwu a5, 4(s0)
            ld a6, 0(s0)
            sw t0, 9(s0)
            ld a7, 8(s0)
            sh t0, 15(s0)
            lhu s2, 15(s0)
            ld s3, 3(s0)
            li s4, 0x80001000
            sd t0, -3(s4)
            ld s5, -3(s4)
            lw s6, -2(s4)
            j exit
            .balign 8
        data:
            .dword 0, 0, 0
        """)
        rig.run()
        #expect(rig.signed("a0") == -1)
        #expect(rig["a1"] == 0xFF)
        #expect(rig["a2"] == 0xFFFF_FFFF_FFFF_CCDD)
        #expect(rig["a3"] == 0xCCDD)
        #expect(rig["a4"] == 0xFFFF_FFFF_8899_AABB)
        #expect(rig["a5"] == 0x8899_AABB)
        #expect(rig["a6"] == 0x8899_AABB_CCDD_EEFF)
        #expect(rig["a7"] == 0x00CC_DDEE_FF00)
        #expect(rig["s2"] == 0xEEFF)
        #expect(rig["s3"] == 0xEEFF_0088_99AA_BBCC)
        #expect(rig["s5"] == 0x8899_AABB_CCDD_EEFF)
        #expect(rig["s6"] == 0xFFFF_FFFF_BBCC_DDEE)
    }

    @Test func bitManipulationExtensions() throws {
        let rig = try GuestRig("""
            li a0, 0x00000000F0000001
            li a1, 3
            sh1add s2, a1, a0
            sh3add.uw s3, a0, a1
            add.uw s4, a0, zero
            slli.uw s5, a0, 4
            andn s6, a0, a1
            orn s7, zero, a1
            xnor s8, a0, a0
            clz s9, a0
            ctz s10, a0
            cpop s11, a0
            clzw t0, a0
            cpopw t1, a0
            min t2, a0, a1
            maxu t3, a0, a1
            sext.b t4, a0
            zext.h t5, a0
            rori a2, a0, 4
            roriw a3, a0, 4
            rev8 a4, a0
            orc.b a5, a0
            bseti a6, zero, 63
            bexti a7, a0, 28
            slli t6, a0, 63
            ctzw s1, t6
        """)
        rig.run()
        #expect(rig["s2"] == 6 &+ 0xF000_0001)
        #expect(rig["s3"] == (0xF000_0001 << 3) + 3)
        #expect(rig["s4"] == 0xF000_0001)
        #expect(rig["s5"] == 0xF_0000_0010)
        #expect(rig["s6"] == 0xF000_0000)
        #expect(rig["s7"] == ~UInt64(3))
        #expect(rig["s8"] == .max)
        #expect(rig["s9"] == 32)
        #expect(rig["s10"] == 0)
        #expect(rig["s11"] == 5)
        #expect(rig["t0"] == 0)
        #expect(rig["t1"] == 5)
        #expect(rig["t2"] == 3)
        #expect(rig["t3"] == 0xF000_0001)
        #expect(rig["t4"] == 1)
        #expect(rig["t5"] == 1)
        #expect(rig["a2"] == 0x1000_0000_0F00_0000)
        #expect(rig["a3"] == 0x1F00_0000)
        #expect(rig["a4"] == 0x0100_00F0_0000_0000)
        #expect(rig["a5"] == 0xFF00_00FF)
        #expect(rig["a6"] == 1 << 63)
        #expect(rig["a7"] == 1)
        #expect(rig["s1"] == 32, "ctzw counts within the low word")
    }
}
