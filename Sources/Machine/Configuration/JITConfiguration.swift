/// Which execution tiers the translator uses and when it moves code up to LLVM (issue #8):
/// `--jit`, `--jit-threshold`, `--jit-stats`.
///
/// `interpreter` runs everything in the interpreter and emits no profiling ops (zero overhead);
/// `llvm` compiles every block synchronously on its first execution (for differential tests);
/// `auto` interprets cold code and compiles hot regions on a background thread.
public struct JITConfiguration: Sendable, Equatable {
    /// How code is tiered.
    public enum Mode: String, Sendable, CaseIterable {
        case interpreter = "interp"
        case llvm
        case auto
    }

    /// How much LLVM optimises a region: `auto` compiles a hot region `quick` (cheap code
    /// generation, so the many short-lived hot spots of a boot cost little) and recompiles it
    /// `optimized` once it has retired `optimizeThreshold` instructions, enough to repay the
    /// slower compile.
    public enum CompileTier: Sendable, Equatable {
        case quick
        case optimized
    }

    public var mode: Mode
    /// Block entries (within `hotWindow` instructions) before a block counts as hot (`auto` only).
    public var threshold: Int
    /// Guest instructions within which a block must run `threshold` times to count as hot
    /// (`auto` only): hot means frequent, not just often over a long run. A block so long that
    /// `threshold` runs of it would fill a quarter of this gets a window of four times that.
    public var hotWindow: UInt64
    /// Threshold rounds, none of them within `hotWindow`, after which a block counts as hot all
    /// the same (`auto` only; 0: never). A boot enters some code hundreds of thousands of times,
    /// but only once every few thousand instructions (page clearing and copying, allocators,
    /// string and list walks): by rate alone it never tiers up, and it ran 87% of the
    /// instructions a Linux boot interpreted, in a few hundred blocks.
    public var steadyRounds: Int
    /// Guest instructions a quick region retires before `auto` recompiles it optimised. At 1 M
    /// rather than 4 M, the compute benchmark's loops leave quick code sooner (about 200 M
    /// instructions had run there while their recompiles queued): 0.61 s against 0.70 s, and
    /// a kernel boot was no slower (3.14 s against 3.45 s, medians of 5 interleaved runs).
    /// 500 k was no better.
    public var optimizeThreshold: UInt64
    /// The tier `llvm` compiles every region at (differential tests cover both).
    public var llvmTier: CompileTier
    /// Compiled regions kept at most; the oldest is evicted beyond it.
    public var maxRegions: Int
    /// Blocks one region holds at most.
    public var maxRegionBlocks: Int
    /// Whether the engine collects compile statistics (`JITStatistics`).
    public var collectsStatistics: Bool

    public init(mode: Mode, threshold: Int = 1000, hotWindow: UInt64 = 100_000, steadyRounds: Int = 64, optimizeThreshold: UInt64 = 1_000_000, llvmTier: CompileTier = .optimized,
                maxRegions: Int = 4096, maxRegionBlocks: Int = 8, collectsStatistics: Bool = false) {
        self.mode = mode
        self.threshold = max(1, threshold)
        self.hotWindow = hotWindow
        self.steadyRounds = max(0, steadyRounds)
        self.optimizeThreshold = max(1, optimizeThreshold)
        self.llvmTier = llvmTier
        self.maxRegions = max(1, maxRegions)
        self.maxRegionBlocks = max(1, maxRegionBlocks)
        self.collectsStatistics = collectsStatistics
    }

    /// Interpreter only.
    public static let interpreter = JITConfiguration(mode: .interpreter)
}
