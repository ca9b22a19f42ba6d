/// One `xemu bench blk` measurement: a workload (access pattern, operation, request size) at a
/// queue depth over one ring format.
public struct BlockBenchCase: Sendable, Equatable {
    public enum Workload: String, Sendable, CaseIterable, Codable {
        case sequentialRead = "seq-read-1M"
        case sequentialWrite = "seq-write-1M"
        case randomRead = "rand-read-4K"
        case randomWrite = "rand-write-4K"

        public var requestSize: Int { isSequential ? 1 << 20 : 4 << 10 }
        public var isSequential: Bool { self == .sequentialRead || self == .sequentialWrite }
        public var isWrite: Bool { self == .sequentialWrite || self == .randomWrite }
    }

    public enum Format: String, Sendable, CaseIterable, Codable { case split, packed }

    public var workload: Workload
    public var depth: Int
    public var format: Format

    public init(workload: Workload, depth: Int, format: Format) {
        self.workload = workload
        self.depth = depth
        self.format = format
    }

    /// Every workload at depths 1 and 32, each over both formats.
    public static func matrix(workloads: [Workload] = Workload.allCases, depths: [Int] = [1, 32],
                              formats: [Format] = Format.allCases) -> [BlockBenchCase] {
        workloads.flatMap { w in depths.flatMap { d in formats.map { BlockBenchCase(workload: w, depth: d, format: $0) } } }
    }
}

/// What one case measured, next to the raw file's speed for the same workload and depth.
public struct BlockBenchResult: Sendable, Codable {
    public var workload: String
    public var depth: Int
    public var format: String
    public var requestSize: Int
    public var megabytesPerSecond: Double
    public var iops: Double
    /// The backend file driven directly (pread/pwrite from as many threads as the device has
    /// requests in flight at most), in the same run.
    public var rawMegabytesPerSecond: Double
    public var rawIOPS: Double
    /// Device throughput as a fraction of the raw file's.
    public var fractionOfRaw: Double
    public var requests: UInt64
    public var interrupts: UInt64
    public var kicks: UInt64
}
