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

    public var mode: Mode
    /// Block entries before a block counts as hot (`auto` only).
    public var threshold: Int
    /// Compiled regions kept at most; the oldest is evicted beyond it.
    public var maxRegions: Int
    /// Blocks one region holds at most.
    public var maxRegionBlocks: Int
    /// Whether the engine collects compile statistics (`JITStatistics`).
    public var collectsStatistics: Bool

    public init(mode: Mode, threshold: Int = 1000, maxRegions: Int = 4096, maxRegionBlocks: Int = 8,
                collectsStatistics: Bool = false) {
        self.mode = mode
        self.threshold = max(1, threshold)
        self.maxRegions = max(1, maxRegions)
        self.maxRegionBlocks = max(1, maxRegionBlocks)
        self.collectsStatistics = collectsStatistics
    }

    /// Interpreter only.
    public static let interpreter = JITConfiguration(mode: .interpreter)
}
