import Testing
@testable import RISCV64

@Suite struct AtomicTests {
    @Test func loadReservedStoreConditionalRules() throws {
        let rig = try GuestRig("""
            lla s0, data
            li t0, 41
            lr.d a0, (s0)
            sc.d a1, t0, (s0)
            sc.d a2, t0, (s0)
            lr.w a3, (s0)
            sc.w a4, t0, (s0)
            addi s1, s0, 8
            lr.d a5, (s0)
            sc.d a6, t0, (s1)
            lr.w a7, (s1)
            sc.d s2, t0, (s1)
            li t1, -5
            lr.w s3, (s1)
            sc.w s4, t1, (s1)
            lw s5, 0(s1)
            lw s6, 4(s1)
            j exit
            .balign 8
        data:
            .dword 7, 0x1111111122222222
        """)
        rig.run()
        #expect(rig["a0"] == 7)
        #expect(rig["a1"] == 0)
        #expect(rig["a2"] == 1, "an SC without a reservation fails")
        #expect(rig["a3"] == 41)
        #expect(rig["a4"] == 0)
        #expect(rig["a6"] == 1, "an SC to another address fails")
        #expect(rig["s2"] == 1, "an SC of another size fails")
        #expect(rig["s4"] == 0)
        #expect(rig.signed("s5") == -5)
        #expect(rig["s6"] == 0x1111_1111)
    }

    @Test func aTrapBetweenLoadReservedAndStoreConditionalBreaksTheReservation() throws {
        let rig = try GuestRig("""
            lla t0, handler
            csrw mtvec, t0
            lla s0, data
            li t1, 9
            lr.d a0, (s0)
            ecall
            sc.d a1, t1, (s0)
            lr.d a2, (s0)
            sc.d a3, t1, (s0)
            ld a4, 0(s0)
            j exit
        handler:
            csrr t2, mepc
            addi t2, t2, 4
            csrw mepc, t2
            mret
            .balign 8
        data:
            .dword 5
        """)
        rig.run()
        #expect(rig["a1"] == 1)
        #expect(rig["a3"] == 0)
        #expect(rig["a4"] == 9)
    }

    @Test func everyAMOReturnsTheOldValueAndStoresTheResult() throws {
        let rig = try GuestRig("""
            lla s0, data
            li t0, -2
            li t1, 3
            amoswap.d a0, t1, (s0)
            amoadd.d a1, t0, (s0)
            amoxor.d a2, t1, (s0)
            amoand.d a3, t0, (s0)
            amoor.d a4, t1, (s0)
            amomin.d a5, t0, (s0)
            amomax.d a6, t1, (s0)
            amominu.d a7, t0, (s0)
            amomaxu.d s2, t0, (s0)
            ld s3, 0(s0)
            addi s1, s0, 8
            amoadd.w s4, t1, (s1)
            lw s5, 0(s1)
            amomin.w s6, t1, (s1)
            amominu.w s7, t1, (s1)
            amomaxu.w s8, t0, (s1)
            lw s9, 0(s1)
            lw s10, 4(s1)
            j exit
            .balign 8
        data:
            .dword 100
            .word 0x7FFFFFFF, 0x55555555
        """)
        rig.run()
        #expect(rig["a0"] == 100)
        #expect(rig["a1"] == 3)
        #expect(rig["a2"] == 1)
        #expect(rig["a3"] == 2)
        #expect(rig["a4"] == 2)
        #expect(rig["a5"] == 3)
        #expect(rig.signed("a6") == -2)
        #expect(rig["a7"] == 3)
        #expect(rig["s2"] == 3)
        #expect(rig.signed("s3") == -2)
        #expect(rig["s4"] == 0x7FFF_FFFF)
        #expect(rig["s5"] == 0xFFFF_FFFF_8000_0002)
        #expect(rig["s6"] == 0xFFFF_FFFF_8000_0002)
        #expect(rig["s7"] == 0xFFFF_FFFF_8000_0002)
        #expect(rig["s8"] == 3)
        #expect(rig.signed("s9") == -2)
        #expect(rig["s10"] == 0x5555_5555, "a word AMO leaves the neighbouring word alone")
    }

    @Test func misalignedAtomicsTrap() throws {
        let rig = try GuestRig("""
            lla t0, handler
            csrw mtvec, t0
            lla s0, data
            addi s0, s0, 4
            li a0, 0
            lr.d a1, (s0)
            li a2, 5
            amoadd.d a3, a2, (s0)
            j exit
        handler:
            csrr t1, mcause
            add a0, a0, t1
            csrr t2, mtval
            csrr t3, mepc
            addi t3, t3, 4
            csrw mepc, t3
            mret
            .balign 8
        data:
            .dword 0, 0
        """)
        rig.run()
        #expect(rig["a0"] == 4 + 6, "load-reserved raises cause 4, an AMO cause 6")
        #expect(rig["t2"] == rig["s0"])
    }
}
