import Virtio

/// One point of the virtqueue benchmark matrix: ring format, features, chain length, queue
/// size, how the device completes, how often it takes the interrupt decision, and where the
/// driver and device run.
public struct BenchCase: Hashable, Sendable, Codable {
    public enum Format: String, Sendable, Codable, CaseIterable { case split, packed }
    public enum Completion: String, Sendable, Codable, CaseIterable {
        case inOrder = "in-order"
        case outOfOrder = "out-of-order"
    }
    public enum Decision: String, Sendable, Codable, CaseIterable {
        case perChain = "per-chain"
        case perBatch = "per-batch"
    }
    public enum Placement: String, Sendable, Codable, CaseIterable {
        /// Driver model and device on one thread: the engine's own cost.
        case oneCore = "one-core"
        /// Driver and device on two threads polling the shared rings: cache-line traffic.
        case twoCores = "two-cores"
        /// The device alone against a minimal driver that re-posts chains with plain stores
        /// (not part of the default matrix; select it with `--placement engine-only`).
        case engineOnly = "engine-only"
    }

    public var format: Format
    public var eventIndex: Bool
    public var indirect: Bool
    public var chainLength: Int
    public var queueSize: Int
    public var completion: Completion
    public var decision: Decision
    public var placement: Placement

    public init(format: Format, eventIndex: Bool, indirect: Bool, chainLength: Int, queueSize: Int,
                completion: Completion, decision: Decision, placement: Placement) {
        self.format = format
        self.eventIndex = eventIndex
        self.indirect = indirect
        self.chainLength = chainLength
        self.queueSize = queueSize
        self.completion = completion
        self.decision = decision
        self.placement = placement
    }

    /// Negotiated feature bits for this case.
    public var features: UInt64 {
        var f = VirtioFeature.version1
        if format == .packed { f |= VirtioFeature.ringPacked }
        if eventIndex { f |= VirtioFeature.eventIndex }
        if indirect { f |= VirtioFeature.indirectDescriptors }
        return f
    }

    /// "none", "event-idx", "indirect" or "event-idx+indirect".
    public var featureName: String {
        switch (eventIndex, indirect) {
        case (false, false): "none"
        case (true, false): "event-idx"
        case (false, true): "indirect"
        case (true, true): "event-idx+indirect"
        }
    }

    /// Chains added per batch: enough to amortise a per-batch decision, and never more than the
    /// ring holds.
    public var batch: Int {
        let descriptorsPerChain = indirect && chainLength > 1 ? 1 : chainLength
        return max(1, min(64, queueSize / descriptorsPerChain))
    }

    /// A short label without the format, used to pair split and packed in tables and plots.
    public var pairLabel: String {
        "\(featureName) len\(chainLength) q\(queueSize) \(completion.rawValue) \(decision.rawValue)"
    }

    /// The full matrix of the issue: 2 formats x 4 feature sets x chain lengths 1, 3, 8 x queue
    /// sizes 256, 1024 x 2 completion orders x 2 decision points x 2 placements.
    public static func matrix(formats: [Format] = Format.allCases, placements: [Placement] = [.oneCore, .twoCores],
                              chainLengths: [Int] = [1, 3, 8], queueSizes: [Int] = [256, 1024]) -> [BenchCase] {
        var cases: [BenchCase] = []
        for placement in placements {
            for (eventIndex, indirect) in [(false, false), (true, false), (false, true), (true, true)] {
                for chainLength in chainLengths {
                    for queueSize in queueSizes {
                        for completion in Completion.allCases {
                            for decision in Decision.allCases {
                                for format in formats {
                                    cases.append(BenchCase(format: format, eventIndex: eventIndex, indirect: indirect,
                                                           chainLength: chainLength, queueSize: queueSize,
                                                           completion: completion, decision: decision, placement: placement))
                                }
                            }
                        }
                    }
                }
            }
        }
        return cases
    }
}

/// What one case measured.
public struct BenchResult: Sendable, Codable {
    public var format: String
    public var features: String
    public var eventIndex: Bool
    public var indirect: Bool
    public var chainLength: Int
    public var queueSize: Int
    public var completion: String
    public var decision: String
    public var placement: String
    /// Chains added, popped, walked, pushed and reclaimed per second (per core for one-core).
    public var chainsPerSecond: Double
    public var nanosecondsPerChain: Double
    /// Heap allocations per chain during the timed part (glibc malloc/calloc/realloc calls).
    public var mallocsPerChain: Double
    /// Interrupts the device decided to send, and kicks the driver decided to send, per chain.
    public var interruptsPerChain: Double
    public var kicksPerChain: Double
    public var chains: UInt64

    public init(_ c: BenchCase, chains: UInt64, seconds: Double, mallocs: UInt64, interrupts: UInt64, kicks: UInt64) {
        format = c.format.rawValue
        features = c.featureName
        eventIndex = c.eventIndex
        indirect = c.indirect
        chainLength = c.chainLength
        queueSize = c.queueSize
        completion = c.completion.rawValue
        decision = c.decision.rawValue
        placement = c.placement.rawValue
        self.chains = chains
        let n = Double(max(chains, 1))
        chainsPerSecond = Double(chains) / seconds
        nanosecondsPerChain = seconds * 1e9 / n
        mallocsPerChain = Double(mallocs) / n
        interruptsPerChain = Double(interrupts) / n
        kicksPerChain = Double(kicks) / n
    }

    public var pairLabel: String {
        "\(features) len\(chainLength) q\(queueSize) \(completion) \(decision)"
    }
}
