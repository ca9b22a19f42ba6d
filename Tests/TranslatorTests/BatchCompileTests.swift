import Testing
@testable import Translator

/// Quick regions waiting together compile as one module (`CompileWorker.takeBatch`,
/// `LLVMCompiler.compile(_:codeGenStart:)`): each keeps its own entry point, and the batch's
/// code stays loaded until its last region is removed.
@Suite struct BatchCompileTests {
    /// A one-block region in `slot` that adds `amount` to slot 1 and leaves for the loop at the
    /// next instruction.
    static func request(slot: Int, amount: Int64, tier: CompileTier = .quick) -> RegionRequest {
        var add = IROp(.addImm, d: 1, a: 1, imm: amount)
        add.retired = 1
        var leave = IROp(.exitToLoop, imm: 4)
        leave.retired = 1
        let block = RegionBlock(pc: 0x8000_0000, firstOp: 0, ops: [add, leave])
        var request = RegionRequest(slot: slot, key: .init(physicalPC: 0x8000_0000, flags: 0, codeHash: UInt64(slot)),
                                    blocks: [block], generation: 0, blockIndices: [0])
        request.serial = UInt64(slot)
        request.tier = tier
        return request
    }

    /// Runs `code` on a state whose slot 1 is 1; returns slot 1 afterwards.
    static func run(_ code: CompiledCode) -> UInt64 {
        let state = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        defer { state.deallocate() }
        state.initialize(repeating: 0, count: 64)
        state[1] = 1
        let frame = UnsafeMutablePointer<UInt64>.allocate(capacity: JITFrame.wordCount)
        defer { frame.deallocate() }
        frame.initialize(repeating: 0, count: JITFrame.wordCount)
        frame[JITFrame.budget] = JITFrame.chainBudget
        frame[JITFrame.loopLimit] = JITFrame.loopInstructions
        #expect(code.function(state, frame) == JITFrame.Exit.indirect.rawValue)
        #expect(frame[JITFrame.exitPC] == 0x8000_0004)
        return state[1]
    }

    @Test func eachRegionOfABatchRunsItsOwnCode() throws {
        let compiler = try LLVMCompiler(verifiesModules: true)
        var start = ContinuousClock.now
        let codes = try compiler.compile((1...3).map { Self.request(slot: $0, amount: Int64($0) * 10) }, codeGenStart: &start)
        #expect(codes.map(Self.run) == [11, 21, 31])
        for code in codes { compiler.remove(code) }
    }

    /// Removing regions of a batch leaves the others' code loaded and runnable; the batch's
    /// symbols are gone once the last one is removed, so a new compile may define them again.
    @Test func aBatchIsFreedWithItsLastRegion() throws {
        let compiler = try LLVMCompiler(verifiesModules: true)
        var start = ContinuousClock.now
        let batch = (1...3).map { Self.request(slot: $0, amount: Int64($0)) }
        let codes = try compiler.compile(batch, codeGenStart: &start)
        compiler.remove(codes[0])
        compiler.remove(codes[2])
        #expect(Self.run(codes[1]) == 3)
        #expect(throws: JITError.self) { try compiler.compile([batch[1]], codeGenStart: &start) }
        compiler.remove(codes[1])
        let again = try compiler.compile([batch[1]], codeGenStart: &start)
        #expect(Self.run(again[0]) == 3)
        compiler.remove(again[0])
    }

    /// From a queue at least `batchDepth` deep, the newest request goes first with the newest
    /// other quick ones, up to the limit; an optimised request waits for a compile of its own.
    @Test func theNewestQuickRequestsOfABackedUpQueueFormABatch() {
        let limit = CompileWorker.batchLimit, depth = CompileWorker.batchDepth
        var requests = (0..<depth).map { Self.request(slot: $0, amount: 1) }
        requests[depth - 2].tier = .optimized
        let batch = CompileWorker.takeBatch(from: &requests)
        let expected = [depth - 1] + Array((0..<(depth - 2)).reversed().prefix(limit - 1))
        #expect(batch.map(\.slot) == expected)
        #expect(requests.count == depth - limit)
        #expect(requests.last?.slot == depth - 2)
        let alone = CompileWorker.takeBatch(from: &requests)
        #expect(alone.map(\.slot) == [depth - limit - 2])
    }

    /// A quick request (code still interpreted) compiles before a newer optimised one (code
    /// already compiled), which waits until no quick request is left.
    @Test func quickRequestsCompileBeforeNewerOptimisedOnes() {
        var requests = [Self.request(slot: 0, amount: 1), Self.request(slot: 1, amount: 1, tier: .optimized),
                        Self.request(slot: 2, amount: 1), Self.request(slot: 3, amount: 1, tier: .optimized)]
        var order: [Int] = []
        while case let batch = CompileWorker.takeBatch(from: &requests), !batch.isEmpty { order += batch.map(\.slot) }
        #expect(order == [2, 0, 3, 1])
    }

    /// A shorter queue compiles its newest request alone, so it is installed as soon as it is
    /// compiled.
    @Test func aShortQueueCompilesItsNewestRequestAlone() {
        var requests = (0..<(CompileWorker.batchDepth - 1)).map { Self.request(slot: $0, amount: 1) }
        let batch = CompileWorker.takeBatch(from: &requests)
        #expect(batch.map(\.slot) == [CompileWorker.batchDepth - 2])
        #expect(requests.count == CompileWorker.batchDepth - 2)
    }
}
