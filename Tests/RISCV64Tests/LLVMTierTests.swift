import Foundation
import Machine
import Testing
import Translator
@testable import RISCV64

/// The LLVM tier against the interpreter: the same guest code under `--jit interp`, `llvm`
/// (every block compiled on first execution, optimised, or quick and recompiled optimised once
/// hot) and `auto` (hot regions, here with a tiny threshold) must end with identical registers,
/// memory and retired counts. The whole suite also runs on a tier with XEMU_TEST_JIT=llvm or auto.
@Suite struct LLVMTierTests {
    static let llvm = JITConfiguration(mode: .llvm)
    static let llvmQuick = JITConfiguration(mode: .llvm, optimizeThreshold: 1000, llvmTier: .quick)
    static let auto = JITConfiguration(mode: .auto, threshold: 2)

    @Test(arguments: [llvm, llvmQuick, auto])
    func integerRoutineMatchesTheInterpreter(jit: JITConfiguration) throws {
        let bytes = IntegerDifferentialTests.operandCount * IntegerDifferentialTests.operations.count * 16
        let reference = try DifferentialRoutine.runOnXemu(
            routine: IntegerDifferentialTests.routine, data: IntegerDifferentialTests.data,
            operandCount: IntegerDifferentialTests.operandCount, resultBytes: bytes, jit: .interpreter)
        let compiled = try DifferentialRoutine.runOnXemu(
            routine: IntegerDifferentialTests.routine, data: IntegerDifferentialTests.data,
            operandCount: IntegerDifferentialTests.operandCount, resultBytes: bytes, jit: jit)
        let mismatches = DifferentialRoutine.mismatches(compiled, reference) { record in
            IntegerDifferentialTests.operations[record % IntegerDifferentialTests.operations.count]
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(8).joined(separator: "\n"))")
    }

    @Test(arguments: [llvm, llvmQuick, auto])
    func floatRoutineMatchesTheInterpreter(jit: JITConfiguration) throws {
        let reference = try DifferentialRoutine.runOnXemu(
            routine: FloatDifferentialTests.routine, data: FloatDifferentialTests.data,
            operandCount: FloatDifferentialTests.operandCount, resultBytes: FloatDifferentialTests.resultBytes, jit: .interpreter)
        let compiled = try DifferentialRoutine.runOnXemu(
            routine: FloatDifferentialTests.routine, data: FloatDifferentialTests.data,
            operandCount: FloatDifferentialTests.operandCount, resultBytes: FloatDifferentialTests.resultBytes, jit: jit)
        #expect(compiled == reference)
    }

    /// Sums 100000 down to 1 into a0 (5,000,050,000) in a three-instruction loop.
    static let sumLoop = """
        li a0, 0
        li a1, 100000
    1:  add a0, a0, a1
        addi a1, a1, -1
        bnez a1, 1b
    """

    /// Loads, stores of every width (to RAM and to a device), a misaligned access that traps,
    /// an ecall, AMOs, fences and nested loops: final registers, memory and minstret agree.
    static let mixedProgram = """
        lla t0, handler
        csrw mtvec, t0
        li s0, 0x80080000
        li s1, 0
        li s2, 40
    outer:
        li s3, 7
    inner:
        sd s1, 0(s0)
        sw s3, 8(s0)
        sh s1, 12(s0)
        sb s3, 14(s0)
        ld a0, 0(s0)
        lw a1, 8(s0)
        lhu a2, 12(s0)
        lb a3, 14(s0)
        add s1, s1, a0
        xor s1, s1, a1
        mul a4, a2, a3
        add s1, s1, a4
        amoadd.d a5, s3, (s0)
        fence rw, rw
        addi s0, s0, 16
        addi s3, s3, -1
        bnez s3, inner
        li t1, 0x10000000
        sw s1, 0(t1)
        fence
        lw t2, 4(t1)
        add s1, s1, t2
        addi s2, s2, -1
        bnez s2, outer
        li t3, 0x80080001
        ld t4, 0(t3)
        ecall
        csrr s4, minstret
        csrr s5, mcause
        j exit
    handler:
        csrr t5, mepc
        addi t5, t5, 4
        csrw mepc, t5
        addi s6, s6, 1
        mret
    """

    /// Runs `source` to its end on the interpreter (the reference) and on `jit`.
    static func runOnBothTiers(_ source: String, jit: JITConfiguration) throws -> (reference: GuestRig, rig: GuestRig) {
        let reference = try GuestRig(source, jit: .interpreter)
        reference.run()
        let rig = try GuestRig(source, jit: jit)
        rig.run()
        return (reference, rig)
    }

    /// Expects `rig`'s integer registers to equal `reference`'s, register by register.
    static func expectSameRegisters(_ rig: GuestRig, as reference: GuestRig,
                                    sourceLocation: SourceLocation = #_sourceLocation) {
        for n in 1..<32 { #expect(rig[x: n] == reference[x: n], "x\(n)", sourceLocation: sourceLocation) }
    }

    @Test(arguments: [llvm, llvmQuick, auto])
    func mixedProgramMatchesTheInterpreter(jit: JITConfiguration) throws {
        let (reference, compiled) = try Self.runOnBothTiers(Self.mixedProgram, jit: jit)
        #expect(compiled.hart.engine.jitError == nil)
        if jit.mode == .llvm { #expect((compiled.hart.engine.jitStatistics?.installedRegions ?? 0) > 0) }
        Self.expectSameRegisters(compiled, as: reference)
        #expect(reference["s6"] >= 1)
        let memoryCompiled = try compiled.memory.bytes(at: 0x8008_0000, count: 40 * 7 * 16)
        let memoryReference = try reference.memory.bytes(at: 0x8008_0000, count: 40 * 7 * 16)
        #expect(memoryCompiled == memoryReference)
        #expect(compiled.device.writes.map(\.value) == reference.device.writes.map(\.value))
    }

    @Test(arguments: [llvm, llvmQuick, auto])
    func aLoopRewritingItselfIsDroppedAndRetranslated(jit: JITConfiguration) throws {
        let rig = try GuestRig("""
            li a0, 0
            li a1, 0
            lla t0, body
            lw t1, new
        loop:
            addi a1, a1, 1
            li t2, 30
            bne a1, t2, body
            sw t1, 0(t0)
            fence.i
        body:
            addi a0, a0, 1
            li t2, 100
            blt a1, t2, loop
            j exit
        new:
            addi a0, a0, 1000
        """, jit: jit)
        rig.run()
        #expect(rig["a0"] == 29 + 71 * 1000)
        #expect(rig.hart.engine.jitError == nil)
    }

    /// A one-block loop whose store rewrites an instruction of that block (no fence.i): as in
    /// the interpreter, the iteration that stores finishes with the old code and the next one
    /// runs the new code. The compiled loop learns of the invalidation only through its store's
    /// slow path (`JITThunks`), which must make the region leave at the back edge; running on
    /// to the loop limit would add 1 where the new code adds 1000.
    @Test(arguments: [llvm, llvmQuick])
    func aStoreIntoItsOwnLoopLeavesAtTheBackEdge(jit: JITConfiguration) throws {
        let source = """
            li a0, 0
            li a1, 0
            li t2, 20
            lla t0, patch
            lw t1, new
        loop:
            sw t1, 0(t0)
            addi a1, a1, 1
        patch:
            addi a0, a0, 1
            blt a1, t2, loop
            j exit
        new:
            addi a0, a0, 1000
        """
        let (reference, rig) = try Self.runOnBothTiers(source, jit: jit)
        #expect(reference["a0"] == 1 + 19 * 1000)
        #expect(rig["a0"] == reference["a0"])
        #expect(rig.hart.engine.jitError == nil)
        #expect((rig.hart.engine.jitStatistics?.invalidatedRegions ?? 0) > 0)
    }

    /// Compiled code writes guest registers back to the state only when it leaves. A loop of
    /// three blocks runs until its load, in the last block, leaves memory and faults: the
    /// trap handler must see the registers the first two blocks wrote in that iteration (s1, s2),
    /// those written earlier in the faulting block (t3) and the ones only earlier iterations
    /// wrote (s3), as the interpreter does.
    @Test(arguments: [llvm, llvmQuick, auto])
    func aFaultInALaterBlockSeesTheRegistersTheLoopWrote(jit: JITConfiguration) throws {
        let source = """
            lla t0, handler
            csrw mtvec, t0
            li s0, 0x80080000
            li s1, 0
            li s2, 0
            li s3, 0
            li a5, 3000
        loop:
            addi s1, s1, 3
            andi t1, s1, 1
            beqz t1, 2f
            addi s2, s2, 5
        2:  slti t2, a5, 1
            slli t2, t2, 40
            add t3, s0, t2
            ld a0, 0(t3)
            add s3, s3, a5
            addi a5, a5, -1
            j loop
        handler:
            csrr s4, mepc
            csrr s5, mcause
            csrr s6, minstret
            j exit
        """
        let (reference, rig) = try Self.runOnBothTiers(source, jit: jit)
        #expect(rig.hart.engine.jitError == nil)
        #expect(reference["s1"] == 3001 * 3)
        #expect(reference["s5"] == 5, "a load access fault")
        Self.expectSameRegisters(rig, as: reference)
    }

    /// A store that rewrites the block its own block jumps to next (no fence.i): as in the
    /// interpreter, the jump meets the new code. Forward transfers inside a region skip the
    /// loop-limit check (they cannot loop), except after a slow path, which is how the region
    /// learns it must leave; skipping that one too would run the old `addi a0, a0, 1`.
    @Test(arguments: [llvm, llvmQuick])
    func aStoreIntoTheNextBlockLeavesAtTheForwardJump(jit: JITConfiguration) throws {
        let source = """
            li a0, 0
            li a1, 0
            li t2, 20
            li t3, 40
            lla t0, patch
            lw t1, new
        loop:
            addi a1, a1, 1
            bne a1, t2, patch
            sw t1, 0(t0)
            j patch
        patch:
            addi a0, a0, 1
            blt a1, t3, loop
            j exit
        new:
            addi a0, a0, 1000
        """
        let (reference, rig) = try Self.runOnBothTiers(source, jit: jit)
        #expect(reference["a0"] == 19 + 21 * 1000)
        #expect(rig["a0"] == reference["a0"])
        #expect(rig.hart.engine.jitError == nil)
    }

    /// The pair `addi a0, a0, 1; addi a1, a2, 4` becomes one `addImmPair` whose second source
    /// (a2) no other op of the region names.
    @Test(arguments: [llvm, llvmQuick])
    func anAddPairReadingAnOtherwiseUnusedRegisterCompiles(jit: JITConfiguration) throws {
        let rig = try GuestRig("""
            li a2, 5
            li a0, 0
        1:  addi a0, a0, 1
            addi a1, a2, 4
            li t0, 10
            bne a0, t0, 1b
        """, jit: jit)
        rig.run()
        #expect(rig.hart.engine.jitError == nil)
        #expect(rig["a0"] == 10)
        #expect(rig["a1"] == 9)
    }

    @Test(arguments: [llvm, llvmQuick, auto])
    func compiledLoopsRetireExactInstructionCounts(jit: JITConfiguration) throws {
        let rig = try GuestRig("""
            csrr s0, minstret
            li a0, 0
            li a1, 100000
        1:  add a0, a0, a1
            addi a1, a1, -1
            bnez a1, 1b
            csrr s1, minstret
        """, jit: jit)
        rig.run()
        #expect(rig["a0"] == 5_000_050_000)
        // csrr, li, li (lui + addiw), 3 per iteration, csrr.
        #expect(rig["s1"] - rig["s0"] == 3 + 300_000 + 1)
    }

    /// The loop's region retires its threshold's worth within a few entries and is replaced
    /// by its optimised recompile; the blocks around it run once and stay quick.
    @Test func hotQuickRegionsAreRecompiledOptimised() throws {
        let rig = try GuestRig(Self.sumLoop, jit: Self.llvmQuick)
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(rig["a0"] == 5_000_050_000)
        #expect(statistics.optimizedRegions > 0)
        #expect(statistics.optimizedRegions < statistics.installedRegions)
        #expect(statistics.quickInstructions > 0)
        #expect(statistics.quickInstructions < statistics.compiledInstructions)
        #expect(statistics.optimizedCompiles == statistics.optimizedRegions)
        #expect(statistics.optimizedCompileCPUNanoseconds > 0)
        #expect(statistics.optimizedCompileCPUNanoseconds < statistics.compileCPUNanoseconds)
        #expect(rig.hart.engine.jitError == nil)
    }

    /// Without steady rounds, a block counts as hot only if it reached the threshold within
    /// `hotWindow` instructions: with a window of none, the loop (50,000 threshold crossings)
    /// never asks for a compile.
    @Test(arguments: [UInt64(0), 1_000_000])
    func autoCompilesOnlyFrequentBlocks(window: UInt64) throws {
        let jit = JITConfiguration(mode: .auto, threshold: 2, hotWindow: window, steadyRounds: 0)
        let rig = try GuestRig(Self.sumLoop, jit: jit)
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(rig["a0"] == 5_000_050_000)
        #expect((statistics.requestedRegions > 0) == (window > 0))
    }

    /// A block whose count runs out `steadyRounds` more times, each outside the window, counts
    /// as hot all the same: with a window of none the loop asks for a compile after
    /// (1 + 8) * 2 entries.
    @Test func autoCompilesSteadyBlocksOutsideTheWindow() throws {
        let jit = JITConfiguration(mode: .auto, threshold: 2, hotWindow: 0, steadyRounds: 8)
        let rig = try GuestRig(Self.sumLoop, jit: jit)
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(rig["a0"] == 5_000_050_000)
        #expect(statistics.requestedRegions > 0)
        #expect(rig.hart.engine.jitError == nil)
    }

    /// A loop of two blocks, the first jumping to the second, so that a region entered at
    /// either lowers the other.
    static let twoBlockLoop = """
        li a0, 0
        li a1, 10000000
    1:  addi a0, a0, 1
        j 2f
    2:  addi a1, a1, -1
        bnez a1, 1b
    """

    /// Both blocks of the loop run out their counts together, over and over while the first
    /// region asked for waits in the compile queue. The other block lies inside that region,
    /// so it asks for none of its own (it did: 2 requests), and once the region is installed
    /// the loop no longer runs it in the interpreter.
    @Test func aBlockInsideAQueuedRegionAsksForNoRegionOfItsOwn() throws {
        let jit = JITConfiguration(mode: .auto, threshold: 2, steadyRounds: 0, optimizeThreshold: .max)
        let rig = try GuestRig(Self.twoBlockLoop, jit: jit)
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(rig["a0"] == 10_000_000)
        #expect(statistics.requestedRegions == 1)
        #expect(rig.hart.engine.jitError == nil)
    }

    /// A loop whose body is one block of 62 instructions: `threshold` (100) runs of it take
    /// 6,200 instructions, more than the 1,000-instruction window, so by rate it could never
    /// count as hot (no steady rounds here) though it is all the program runs. A long block's
    /// window is four times what `threshold` runs of it take.
    @Test func aLongBlockIsHotByItsShareOfTheInstructions() throws {
        let body = String(repeating: "    addi a0, a0, 1\n", count: 60)
        let rig = try GuestRig("""
            li a0, 0
            li a1, 20000
        1:
        \(body)    addi a1, a1, -1
            bnez a1, 1b
        """, jit: JITConfiguration(mode: .auto, threshold: 100, hotWindow: 1000, steadyRounds: 0))
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(rig["a0"] == 1_200_000)
        #expect(statistics.requestedRegions > 0)
        #expect(rig.hart.engine.jitError == nil)
    }

    /// An inner loop of 8 iterations inside an outer one (27 instructions an outer iteration):
    /// with a window of 1000 instructions only the inner loop's block runs `threshold` (100)
    /// times in it. Its region leaves out the block after it, which had run too little when the
    /// region was formed, so every outer iteration leaves the region into the interpreter; that
    /// exit, taken 256 times within 10,000 instructions, makes the block after the loop hot
    /// (without steady rounds, which would make it hot first).
    static let innerLoop = """
        li a0, 0
        li a1, 2000000
    outer:
        li t0, 8
    inner:
        addi a0, a0, 1
        addi t0, t0, -1
        bnez t0, inner
        addi a1, a1, -1
        bnez a1, outer
    """

    @Test func anOftenTakenExitMakesItsTargetHot() throws {
        let rig = try GuestRig(Self.innerLoop, jit: JITConfiguration(mode: .auto, threshold: 100, hotWindow: 1000, steadyRounds: 0))
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(rig["a0"] == 16_000_000)
        #expect(statistics.hotExitRequests >= 1)
        #expect(statistics.compiledInstructions > 0)
        #expect(statistics.compiledInstructions <= statistics.retiredInstructions)
        #expect(rig.hart.engine.jitError == nil)
    }

    @Test func theCodeCacheEvictsBeyondItsBound() throws {
        let jit = JITConfiguration(mode: .llvm, maxRegions: 2)
        let rig = try GuestRig(Self.mixedProgram, jit: jit)
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(statistics.evictedRegions > 0)
        #expect(statistics.installedRegions - statistics.evictedRegions - statistics.invalidatedRegions <= 2)
        #expect(rig["s6"] >= 1)
    }

    @Test func compileStatisticsSplitCodeGenerationAndCPUTime() throws {
        let rig = try GuestRig(Self.mixedProgram, jit: Self.llvm)
        rig.run()
        let statistics = try #require(rig.hart.engine.jitStatistics)
        #expect(statistics.quickInstructions == 0)
        #expect(statistics.compiledRegions > 0)
        #expect(statistics.codeGenNanoseconds > 0)
        #expect(statistics.codeGenNanoseconds <= statistics.totalCompileNanoseconds)
        #expect(statistics.compileCPUNanoseconds > 0)
        #expect(statistics.optimizedCompiles == statistics.compiledRegions)
        #expect(statistics.optimizedCompileCPUNanoseconds == statistics.compileCPUNanoseconds)
        #expect(statistics.droppedRequests == 0)
    }
}
