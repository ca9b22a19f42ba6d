import Testing
@testable import RISCV64

/// Synchronous traps into M-mode and mret (privileged ISA §3.1.15-3.1.17, §3.3.2).
@Suite struct TrapTests {
    /// A handler that records mcause/mepc/mtval of trap n at `log + 24n` and resumes after the
    /// faulting 4-byte instruction.
    static let handler = """
    handler:
        csrr t3, mcause
        sd t3, 0(s11)
        csrr t3, mepc
        sd t3, 8(s11)
        csrr t3, mtval
        sd t3, 16(s11)
        addi s11, s11, 24
        csrr t3, mepc
        addi t3, t3, 4
        csrw mepc, t3
        mret
        .balign 8
    log:
        .fill 64, 8, 0
    """

    struct Trap: Equatable {
        var cause: UInt64
        var epc: UInt64
        var tval: UInt64
    }

    func traps(_ rig: GuestRig, _ count: Int) throws -> [Trap] {
        var result: [Trap] = []
        let log = rig["s10"]
        for n in 0..<count {
            let a = log + UInt64(24 * n)
            result.append(Trap(cause: try rig.memory.read(at: a), epc: try rig.memory.read(at: a + 8), tval: try rig.memory.read(at: a + 16)))
        }
        return result
    }

    static func program(_ body: String) -> String {
        """
            lla t0, handler
            csrw mtvec, t0
            lla s11, log
            mv s10, s11
        \(body)
            j exit
        \(handler)
        """
    }

    @Test func exceptionsSetCauseEpcAndTval() throws {
        let rig = try GuestRig(Self.program("""
        i_ecall: ecall
        i_illegal: .word 0xFFFFFFFF
        i_ebreak: ebreak
            li a0, 0x40000000
        i_load: ld a1, 0(a0)
        i_store: sw a1, 16(a0)
        i_csr: csrr a2, 0x7C0
            csrr a3, mstatus
        i_ro: csrw mhartid, zero
            lla a4, i_ecall
        """))
        rig.run()
        let a = rig["a4"]
        let t = try traps(rig, 6)
        #expect(t[0] == Trap(cause: 11, epc: a, tval: 0))
        #expect(t[1] == Trap(cause: 2, epc: a + 4, tval: 0xFFFF_FFFF))
        #expect(t[2] == Trap(cause: 3, epc: a + 8, tval: 0))
        #expect(t[3] == Trap(cause: 5, epc: a + 16, tval: 0x4000_0000))
        #expect(t[4] == Trap(cause: 7, epc: a + 20, tval: 0x4000_0010))
        #expect(t[5] == Trap(cause: 2, epc: a + 24, tval: 0x7C00_2673))
        #expect(try traps(rig, 7)[6].cause == 2, "writing a read-only CSR is illegal")
        #expect(rig["a3"] & 0x1888 == 0x0080, "after mret MPP = U (the least-privileged mode) and MPIE was restored to 1")
    }

    @Test func trapEntryAndMretMoveInterruptEnableBits() throws {
        let rig = try GuestRig("""
            lla t0, handler
            csrw mtvec, t0
            csrsi mstatus, 8
            ecall
            csrr a1, mstatus
            j exit
        handler:
            csrr a0, mstatus
            csrr t0, mepc
            addi t0, t0, 4
            csrw mepc, t0
            mret
        """)
        rig.run()
        #expect(rig["a0"] & 0x1888 == 0x1880, "in the handler MIE = 0, MPIE = 1, MPP = 3")
        #expect(rig["a1"] & 0x88 == 0x88, "after mret MIE = 1 and MPIE = 1")
    }

    @Test func compressedIllegalInstructionReportsTheHalfword() throws {
        let rig = try GuestRig("""
            lla t0, handler
            csrw mtvec, t0
            .hword 0
            .hword 0
        handler:
            csrr a0, mcause
            csrr a1, mtval
            csrr a2, mepc
            j exit
        """)
        rig.run()
        #expect(rig["a0"] == 2)
        #expect(rig["a1"] == 0)
        #expect(rig["a2"] == GuestRig.ramBase + 12)
    }

    @Test func fetchFromNonRAMRaisesInstructionAccessFault() throws {
        let rig = try GuestRig("""
            lla t0, handler
            csrw mtvec, t0
            li t1, 0x40000000
            jalr t1
        handler:
            csrr a0, mcause
            csrr a1, mtval
            csrr a2, mepc
            j exit
        """)
        rig.run()
        #expect(rig["a0"] == 1)
        #expect(rig["a1"] == 0x4000_0000)
        #expect(rig["a2"] == 0x4000_0000)
    }

    @Test func machineCSRsReadAndWrite() throws {
        let rig = try GuestRig("""
            csrr a0, misa
            csrr a1, mhartid
            li t0, 0x1234
            csrrw a2, mscratch, t0
            csrrs a3, mscratch, 0xF
            csrrc a4, mscratch, 0x4
            csrr a5, mscratch
            csrrwi a6, mscratch, 17
            csrr a7, mscratch
            li t0, -1
            csrw mie, t0
            csrr s2, mie
            csrw mtvec, t0
            csrr s3, mtvec
            li t0, 0x80000101
            csrw mtvec, t0
            csrr s7, mtvec
            csrr s4, instret
            csrr s5, instret
            csrr s6, time
        """)
        rig.hart.timeSource = { 123_456 }
        rig.run()
        #expect(rig["a0"] == 0x8000_0000_0014_112D, "RV64 with A, C, D, F, I, M, S, U")
        #expect(rig["a1"] == 0)
        #expect(rig["a2"] == 0)
        #expect(rig["a3"] == 0x1234)
        #expect(rig["a4"] == 0x1234 | 0xF)
        #expect(rig["a5"] == 0x123B)
        #expect(rig["a6"] == 0x123B)
        #expect(rig["a7"] == 17)
        #expect(rig["s2"] == 0xAAA)
        #expect(rig["s3"] == 0, "a reserved MODE leaves mtvec unchanged")
        #expect(rig["s7"] == 0x8000_0101)
        #expect(rig["s5"] == rig["s4"] + 1)
        #expect(rig["s6"] == 123_456)
    }
}
