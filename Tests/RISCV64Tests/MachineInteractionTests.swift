import Foundation
import Machine
import Testing
@testable import Translator
@testable import RISCV64

/// The hart against the rest of the machine: MMIO, code modification, exits from other threads,
/// interrupts and block chaining.
@Suite struct MachineInteractionTests {
    @Test func mmioLoadsAndStoresReachTheDevice() throws {
        let rig = try GuestRig("""
            li s0, 0x10000000
            li t0, 0xAB
            sb t0, 5(s0)
            li t0, 0x12345678
            sw t0, 0x40(s0)
            sd t0, 0x80(s0)
            lbu a0, 7(s0)
            lw a1, 0x10(s0)
            ld a2, 0x18(s0)
            lh a3, 0x22(s0)
            li t1, 0x100
            addi s1, s0, 0x30
            amoor.w a4, t1, (s1)
        """)
        rig.run()
        let w = rig.device.writes
        #expect(w.count == 4)
        #expect(w.map(\.offset) == [5, 0x40, 0x80, 0x30])
        #expect(w.map(\.size) == [1, 4, 8, 4])
        #expect(w.map(\.value) == [0xAB, 0x1234_5678, 0x1234_5678, 0x1130])
        #expect(rig.device.reads.map(\.offset) == [7, 0x10, 0x18, 0x22, 0x30])
        #expect(rig.device.reads.map(\.size) == [1, 4, 8, 2, 4])
        #expect(rig["a4"] == 0x1030, "an AMO on a device reads the old value")
        #expect(rig["a0"] == 0x1007)
        #expect(rig["a1"] == 0x1010)
        #expect(rig["a2"] == 0x1018)
        #expect(rig["a3"] == 0x1022)
    }

    @Test func selfModifyingCodeIsRetranslatedAfterFenceI() throws {
        // Runs `patch` once (a0 += 1), rewrites its first instruction to `addi a0, a0, 100`,
        // and runs it again.
        let rig = try GuestRig("""
            li a0, 0
            call patch
            lla t0, patch
            lw t1, new
            sw t1, 0(t0)
            fence.i
            call patch
            j exit
        patch:
            addi a0, a0, 1
            ret
        new:
            addi a0, a0, 100
        """)
        rig.run()
        #expect(rig["a0"] == 101)
    }

    @Test func storeIntoAChainedLoopInvalidatesIt() throws {
        // A loop whose body is rewritten on its third iteration: later iterations must run the
        // new instruction even though the block was chained to itself.
        let rig = try GuestRig("""
            li a0, 0
            li a1, 0
            lla t0, body
            lw t1, new
        loop:
            addi a1, a1, 1
            li t2, 3
            bne a1, t2, body
            sw t1, 0(t0)
            fence.i
        body:
            addi a0, a0, 1
            li t2, 10
            blt a1, t2, loop
            j exit
        new:
            addi a0, a0, 1000
        """)
        rig.run()
        #expect(rig["a0"] == 2 + 8 * 1000)
    }

    /// Also under the LLVM tier, whose compiled loop must notice the request by itself.
    @Test(arguments: [JITConfiguration.interpreter, JITConfiguration(mode: .llvm)])
    func exitRequestFromAnotherThreadStopsAnInfiniteLoop(jit: JITConfiguration) throws {
        let rig = try GuestRig("""
        spin:
            addi a0, a0, 1
            j spin
        """, jit: jit)
        let hart = rig.hart
        let stopper = Thread {
            usleep(50_000)
            hart.requestExit()
        }
        stopper.start()
        #expect(hart.run() == .exitRequested)
        #expect(rig["a0"] > 1000)
        let pc = hart.pc
        #expect(pc == GuestRig.ramBase || pc == GuestRig.ramBase + 4)
    }

    @Test func chainedLoopsRetireExactInstructionCounts() throws {
        let rig = try GuestRig("""
            csrr s0, minstret
            li a0, 0
            li a1, 1000
        1:  add a0, a0, a1
            addi a1, a1, -1
            bnez a1, 1b
            li a2, 0
            li a3, 10
        2:  li a4, 5
        3:  addi a2, a2, 1
            addi a4, a4, -1
            bnez a4, 3b
            addi a3, a3, -1
            bnez a3, 2b
            csrr s1, minstret
        """)
        rig.run()
        #expect(rig["a0"] == 500_500)
        #expect(rig["a2"] == 50)
        // 2 + 3*1000 + 2 + 10*(1 + 3*5 + 2) + 1 instructions from the first csrr to the second.
        #expect(rig["s1"] - rig["s0"] == 2 + 3000 + 2 + 180 + 1)
    }

    @Test func timerInterruptTrapsWhenEnabledAndWakesWFI() throws {
        let rig = try GuestRig("""
            lla t0, handler
            csrw mtvec, t0
            li t0, 0x80
            csrw mie, t0
            csrsi mstatus, 8
            li a0, 0
            wfi
            li a1, 0x55
            j exit
        handler:
            csrr a2, mcause
            csrr a3, mepc
            li a0, 1
            csrw mie, zero
            mret
        """)
        let hart = rig.hart
        let woken = DoneFlag()
        hart.interruptRaised = { woken.value.store(true, ordering: .relaxed) }
        #expect(hart.run() == .waitingForInterrupt)
        #expect(rig["a1"] == 0)
        #expect(!hart.hasPendingInterrupt)
        hart.setLevel(line: RISCV64Hart.Line.machineTimer, high: true)
        #expect(hart.hasPendingInterrupt)
        let wasWoken = woken.value.load(ordering: .relaxed)
        #expect(wasWoken)
        rig.run()
        #expect(rig["a0"] == 1)
        #expect(rig["a1"] == 0x55)
        #expect(rig["a2"] == UInt64(1) << 63 | 7)
        #expect(rig["a3"] == GuestRig.ramBase + 32, "mepc is the instruction after wfi")
    }

    @Test func readModifyWriteOfMipDoesNotLatchTheExternalLine() throws {
        // With SEIP raised by the interrupt controller, `csrrc mip, STIP` (as OpenSBI does for
        // the supervisor timer) must not copy the line into the software-writable SEIP bit:
        // once the line drops, mip.SEIP reads 0 again.
        let rig = try GuestRig("""
            li t0, 0x20
            csrs mip, t0
            csrr a0, mip
            csrc mip, t0
            csrr a1, mip
            j exit
        """)
        rig.hart.setLevel(line: RISCV64Hart.Line.supervisorExternal, high: true)
        rig.run()
        rig.hart.setLevel(line: RISCV64Hart.Line.supervisorExternal, high: false)
        #expect(rig["a0"] & 0x220 == 0x220, "STIP set by software and SEIP from the line both read as 1")
        #expect(rig["a1"] & 0x200 == 0x200, "the line still reads high while it is high")
        #expect(rig.hart.csr(0x344)! & 0x200 == 0, "SEIP follows the line once it drops")
    }

    @Test func vectoredModeAndPriorityAmongPendingInterrupts() throws {
        // Timer and external are both pending: external (cause 11) goes first, to base + 4 * 11.
        let table = (0..<16).map { "    j v\($0)" }.joined(separator: "\n")
        let targets = (0..<16).map { "v\($0): li a3, \($0)\n    j common" }.joined(separator: "\n")
        let rig = try GuestRig("""
            lla t0, vectors
            ori t0, t0, 1
            csrw mtvec, t0
            li t0, 0x880
            csrw mie, t0
            csrsi mstatus, 8
            nop
            j exit
            .balign 64
        vectors:
        \(table)
        \(targets)
        common:
            csrr a1, mcause
            csrw mie, zero
            mret
        """)
        rig.hart.setLevel(line: RISCV64Hart.Line.machineTimer, high: true)
        rig.hart.setLevel(line: RISCV64Hart.Line.machineExternal, high: true)
        rig.run()
        #expect(rig["a1"] == UInt64(1) << 63 | 11)
        #expect(rig["a3"] == 11, "vectored mode enters at base + 4 * cause")
    }

    @Test func pendingButDisabledInterruptIsTakenWhenEnabled() throws {
        let rig = try GuestRig("""
            lla t0, handler
            csrw mtvec, t0
            li t0, 0x800
            csrw mie, t0
            li a0, 0
            li t1, 100
        1:  addi t1, t1, -1
            bnez t1, 1b
            mv a1, a0
            csrsi mstatus, 8
        after:
            nop
            j exit
        handler:
            li a0, 1
            csrr a2, mepc
            csrw mie, zero
            mret
        """)
        rig.hart.setLevel(line: RISCV64Hart.Line.machineExternal, high: true)
        rig.run()
        #expect(rig["a1"] == 0, "no interrupt while mstatus.MIE = 0")
        #expect(rig["a0"] == 1)
        #expect(rig["a2"] == GuestRig.ramBase + 48, "taken right after the csrsi that enabled it")
    }
}

/// Data that shares a page with code must not make every store retranslate the code.
@Suite struct CodePageSharingTests {
    @Test func storesToDataBesideALoopKeepItsTranslation() throws {
        let rig = try GuestRig("""
            lla s0, counter
            li t0, 1000
        1:  ld t1, 0(s0)
            addi t1, t1, 1
            sd t1, 0(s0)
            addi t0, t0, -1
            bnez t0, 1b
            ld a0, 0(s0)
            j exit
            .balign 128
        counter:
            .dword 0
        """)
        rig.run()
        #expect(rig["a0"] == 1000)
        #expect(rig.hart.engine.cpu.cache.blocks.count < 10, "the loop was translated once, not once per store")
    }
}
