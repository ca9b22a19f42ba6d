import Machine
import Testing
import Translator
@testable import RISCV64

/// Compiled code of modes without data address translation reaches RAM after one range check
/// (`RegionLowering+DirectRAM`): what lies outside the bank must still reach the slow path,
/// stores must still drop translated code, and such code must never run once translation is on.
@Suite struct DirectRAMTests {
    /// A loop whose every iteration reads a device register and the last 8 bytes of RAM, until
    /// its last iteration's load straddles the end of RAM: the device sees every read, the last
    /// in-RAM bytes load, and the straddling load raises a load access fault at its address.
    static let edgesOfRAM = """
        lla t0, handler
        csrw mtvec, t0
        li s0, 0x10000000
        li s1, 0x800FFFF8
        li t1, 77
        sd t1, 0(s1)
        li s2, 50
        li a0, 0
    loop:
        lw t2, 8(s0)
        add a0, a0, t2
        addi t4, s2, -1
        seqz t4, t4
        slli t4, t4, 2
        add t5, s1, t4
        ld t3, 0(t5)
        add a0, a0, t3
        addi s2, s2, -1
        bnez s2, loop
        j exit
    handler:
        csrr s5, mcause
        csrr s6, mtval
        j exit
    """

    @Test(arguments: [LLVMTierTests.llvm, LLVMTierTests.llvmQuick, LLVMTierTests.auto])
    func devicesAndTheEndOfRAMLeaveTheDirectPath(jit: JITConfiguration) throws {
        let (reference, rig) = try LLVMTierTests.runOnBothTiers(Self.edgesOfRAM, jit: jit)
        #expect(rig.hart.engine.jitError == nil)
        #expect(rig["a0"] == 49 * (0x1008 + 77) + 0x1008)
        #expect(rig.device.reads.count == 50)
        #expect(rig["s5"] == 5, "a load access fault")
        #expect(rig["s6"] == 0x800F_FFFC)
        LLVMTierTests.expectSameRegisters(rig, as: reference)
    }

    /// Stores at the end of RAM: the last byte takes a byte store, and the last iteration's
    /// doubleword store straddles the end and raises a store access fault without writing.
    static let storesAtTheEndOfRAM = """
        lla t0, handler
        csrw mtvec, t0
        li s1, 0x800FFFF8
        li s2, 50
        li s3, 0
    loop:
        addi t4, s2, -1
        seqz t4, t4
        slli t4, t4, 2
        add t5, s1, t4
        sd s2, 0(t5)
        sb s2, 7(s1)
        lbu a0, 7(s1)
        add s3, s3, a0
        addi s2, s2, -1
        bnez s2, loop
        j exit
    handler:
        csrr s5, mcause
        csrr s6, mtval
        j exit
    """

    @Test(arguments: [LLVMTierTests.llvm, LLVMTierTests.llvmQuick, LLVMTierTests.auto])
    func storesAtTheEndOfRAMStayInsideIt(jit: JITConfiguration) throws {
        let (reference, rig) = try LLVMTierTests.runOnBothTiers(Self.storesAtTheEndOfRAM, jit: jit)
        #expect(rig.hart.engine.jitError == nil)
        #expect(rig["s3"] == 50 * 51 / 2 - 1)
        #expect(rig["s5"] == 7, "a store access fault")
        #expect(rig["s6"] == 0x800F_FFFC)
        #expect(try rig.memory.read(UInt64.self, at: 0x800F_FFF8) == 0x0200_0000_0000_0002)
        LLVMTierTests.expectSameRegisters(rig, as: reference)
    }

    /// The same loop sums a RAM word in M-mode, then runs again with MPRV set, MPP = S and
    /// Sv39 on over an empty page table, where the load must take a page fault. A region
    /// compiled for the untranslated first run would read RAM instead if it ran again: the
    /// untranslated-data bit of the mode flags keeps it out.
    static let translationAfterCompiling = """
        lla t0, handler
        csrw mtvec, t0
        li s0, 0x80080000
        li t1, 1234
        sd t1, 0(s0)
        call sum
        mv s3, a0
        li t0, 0x80090
        li t1, 8
        slli t1, t1, 60
        or t0, t0, t1
        csrw satp, t0
        li t0, 3 << 11
        csrc mstatus, t0
        li t0, (1 << 17) | (1 << 11)
        csrs mstatus, t0
        li s4, 1
        call sum
        li s4, 2
        j exit
    sum:
        li a0, 0
        li a1, 100000
    1:  ld t2, 0(s0)
        add a0, a0, t2
        addi a1, a1, -1
        bnez a1, 1b
        ret
    handler:
        csrr s5, mcause
        li t0, 1 << 17
        csrc mstatus, t0
        j exit
    """

    @Test(arguments: [LLVMTierTests.llvm, LLVMTierTests.llvmQuick, LLVMTierTests.auto])
    func codeCompiledUntranslatedDoesNotRunOnceTranslationIsOn(jit: JITConfiguration) throws {
        let (reference, rig) = try LLVMTierTests.runOnBothTiers(Self.translationAfterCompiling, jit: jit)
        #expect(rig.hart.engine.jitError == nil)
        if jit.mode == .llvm { #expect((rig.hart.engine.jitStatistics?.installedRegions ?? 0) > 0) }
        #expect(rig["s3"] == 100_000 * 1234)
        #expect(rig["s4"] == 1, "the second sum faulted")
        #expect(rig["s5"] == 13, "a load page fault")
        LLVMTierTests.expectSameRegisters(rig, as: reference)
    }

    /// A store loop compiled while the page it writes holds no code (its stores go straight to
    /// RAM), run again after a function in that page has been translated: the code limit
    /// compiled code compares with is the one at run time, so the second run's store still
    /// drops the function's stale translation and the call after it runs the new instruction.
    static let codeAppearsAboveTheStores = """
        lla s0, far
        lw s1, new
        lw s2, old
        call fill
        call far
        mv s4, a0
        mv s2, s1
        call fill
        call far
        mv s5, a0
        j exit
    fill:
        li t1, 1000
    1:  sw s2, 0(s0)
        addi t1, t1, -1
        bnez t1, 1b
        ret
    old:
        addi a0, zero, 1
    new:
        addi a0, zero, 2
        .balign 4096
    far:
        addi a0, zero, 1
        ret
    """

    @Test(arguments: [LLVMTierTests.llvm, LLVMTierTests.llvmQuick, LLVMTierTests.auto])
    func aStoreCompiledBeforeItsPageHeldCodeStillDropsThatCode(jit: JITConfiguration) throws {
        let (reference, rig) = try LLVMTierTests.runOnBothTiers(Self.codeAppearsAboveTheStores, jit: jit)
        #expect(rig.hart.engine.jitError == nil)
        #expect(reference["s4"] == 1)
        #expect(reference["s5"] == 2)
        LLVMTierTests.expectSameRegisters(rig, as: reference)
    }
}
