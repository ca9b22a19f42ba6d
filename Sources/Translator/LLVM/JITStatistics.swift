import Foundation

/// What the LLVM tier did during a run, for `--jit-stats`.
public struct JITStatistics: Sendable {
    /// Regions sent to the compiler (hot blocks and promotions).
    public var requestedRegions = 0
    /// Regions compiled (including ones discarded before installation).
    public var compiledRegions = 0
    /// Regions installed (their entry block now runs compiled code).
    public var installedRegions = 0
    /// Quick regions replaced by their optimised recompile (counted in `installedRegions` too).
    public var optimizedRegions = 0
    /// Regions dropped because their guest code was written or the cache was flushed.
    public var invalidatedRegions = 0
    /// Regions evicted to bound the code cache.
    public var evictedRegions = 0
    /// Entries into compiled code from the exec loop.
    public var compiledEntries: UInt64 = 0
    /// Guest instructions retired in compiled code, and by the engine in all (the rest ran in
    /// the interpreter).
    public var compiledInstructions: UInt64 = 0
    public var retiredInstructions: UInt64 = 0
    /// The part of `compiledInstructions` retired by quick (-O0) regions: how much of the run
    /// the tier-up policy leaves in code slower than the optimised tier's.
    public var quickInstructions: UInt64 = 0
    /// Returns from compiled code, by `JITFrame.Exit` raw value.
    public var exits = Exits()
    /// Regions requested because a side exit into the interpreter was taken often.
    public var hotExitRequests = 0
    /// Guest blocks lowered in all regions.
    public var loweredBlocks = 0
    /// Requests dropped from a full compile queue before they were compiled.
    public var droppedRequests = 0
    /// Compile time spent in code generation (the rest is lowering and IR passes), in nanoseconds.
    public var codeGenNanoseconds: UInt64 = 0
    /// CPU time of all compiles, in nanoseconds (less than their wall time on a busy host).
    public var compileCPUNanoseconds: UInt64 = 0
    /// The part of `compileCPUNanoseconds` spent on optimised recompiles, and how many there were.
    public var optimizedCompileCPUNanoseconds: UInt64 = 0
    public var optimizedCompiles = 0
    /// Wall time of each compile (lowering, optimisation and code generation), in nanoseconds;
    /// each region of a batch compiled together counts an equal share of the batch's.
    public var compileNanoseconds: [UInt64] = []

    /// The median and 99th percentile compile latency in nanoseconds (0 when none).
    public var latencyPercentiles: (median: UInt64, p99: UInt64) {
        guard !compileNanoseconds.isEmpty else { return (0, 0) }
        let sorted = compileNanoseconds.sorted()
        let p99 = sorted[min(sorted.count - 1, (sorted.count * 99) / 100)]
        return (sorted[sorted.count / 2], p99)
    }

    /// Returns from compiled code to the exec loop, by reason.
    public struct Exits: Sendable {
        /// Direct transfers out of the region through a chain slot that was not linked.
        public var unlinkedJump: UInt64 = 0
        /// Direct transfers with no chain slot (another page, or the region's budget ran out).
        public var otherJump: UInt64 = 0
        public var indirect: UInt64 = 0
        public var helper: UInt64 = 0
        /// Memory faults and `raise` ops.
        public var fault: UInt64 = 0
    }

    /// Total compile time in nanoseconds.
    public var totalCompileNanoseconds: UInt64 { compileNanoseconds.reduce(0, &+) }
}

extension JITStatistics {
    /// Writes the statistics, and the compile share of `wallTime`, to standard error.
    public static func print(_ statistics: JITStatistics, error: JITError?, wallTime: Duration) {
        let (median, p99) = statistics.latencyPercentiles
        let wall = Double(JITTier.nanoseconds(wallTime))
        let share = wall > 0 ? 100 * Double(statistics.totalCompileNanoseconds) / wall : 0
        var text = "jit: \(statistics.installedRegions) regions installed of \(statistics.compiledRegions) compiled "
        text += "of \(statistics.requestedRegions) requested "
        text += "(\(statistics.optimizedRegions) recompiled optimised) "
        text += "(\(statistics.loweredBlocks) blocks), \(statistics.invalidatedRegions) invalidated, \(statistics.evictedRegions) evicted, "
        text += "\(statistics.compiledEntries) entries, \(statistics.droppedRequests) requests dropped, "
        text += "\(statistics.hotExitRequests) requested for hot exits\n"
        text += "jit: compile latency median \(Self.microseconds(median)) us, p99 \(Self.microseconds(p99)) us, "
        text += "total \(Self.microseconds(statistics.totalCompileNanoseconds) / 1000) ms = "
        text += "\(Double(Int(share * 100)) / 100)% of \(Int(wall / 1e6)) ms wall, "
        let total = statistics.totalCompileNanoseconds
        let codeGen = total > 0 ? 100 * Double(statistics.codeGenNanoseconds) / Double(total) : 0
        text += "\(Int(codeGen))% of it code generation; compile CPU time \(statistics.compileCPUNanoseconds / 1_000_000) ms, "
        let count = UInt64(max(1, statistics.compileNanoseconds.count))
        text += "mean \(Self.microseconds(statistics.compileCPUNanoseconds / count)) us, "
        text += "\(statistics.optimizedCompileCPUNanoseconds / 1_000_000) ms of it in \(statistics.optimizedCompiles) optimised compiles\n"
        let compiledShare = statistics.retiredInstructions > 0
            ? 100 * Double(statistics.compiledInstructions) / Double(statistics.retiredInstructions) : 0
        let exits = statistics.exits
        text += "jit: \(statistics.compiledInstructions) of \(statistics.retiredInstructions) instructions compiled "
        text += "(\(Int(compiledShare))%), \(statistics.quickInstructions) of them quick; exits: \(exits.unlinkedJump) unlinked jumps, \(exits.otherJump) other jumps, "
        text += "\(exits.indirect) indirect, \(exits.helper) helpers, \(exits.fault) faults\n"
        if let error { text += "jit: first compile error: \(error)\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func microseconds(_ nanoseconds: UInt64) -> UInt64 { nanoseconds / 1000 }
}
