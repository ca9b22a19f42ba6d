import ArgumentParser
import Foundation
import VirtqueueBench

/// `xemu bench virtqueue`: measures the virtqueue engine alone (no CPU emulation), split
/// against packed, over the feature, chain-length, queue-size, completion-order, decision and
/// placement matrix.
struct VirtqueueBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "virtqueue",
        abstract: "Measure chains per second of the virtqueue engine, split vs packed."
    )

    @Option(name: .customLong("seconds"), help: "Timed seconds per case.")
    var seconds = 0.05

    @Option(name: .customLong("format"), help: "Only this ring format (split or packed).")
    var format: String?

    @Option(name: .customLong("placement"), help: "Only this placement: one-core, two-cores, or engine-only (the device against a minimal raw driver; not in the default run).")
    var placement: String?

    @Option(name: .customLong("chain-length"), help: "Only this chain length (default: 1, 3 and 8; at most 16).")
    var chainLength: Int?

    @Option(name: .customLong("queue-size"), help: "Only this queue size (default: 256 and 1024; a power of two up to 32768).")
    var queueSize: Int?

    @Option(name: .customLong("features"), help: "Only this feature set: none, event-idx, indirect or event-idx+indirect.")
    var features: String?

    @Option(name: .customLong("completion"), help: "Only this completion order: in-order or out-of-order.")
    var completion: String?

    @Option(name: .customLong("decision"), help: "Only this interrupt decision point: per-chain or per-batch.")
    var decision: String?

    @Flag(name: .customLong("json"), help: "Print one JSON object per case instead of the table.")
    var json = false

    @Option(name: .customLong("plot"), help: "Also write a grouped bar chart to this SVG file.")
    var plot: String?

    static let featureNames: Set<String> = ["none", "event-idx", "indirect", "event-idx+indirect"]

    func validate() throws {
        if let format, BenchCase.Format(rawValue: format) == nil {
            throw ValidationError("--format must be split or packed, not \(format)")
        }
        if let placement, BenchCase.Placement(rawValue: placement) == nil {
            throw ValidationError("--placement must be one-core, two-cores or engine-only, not \(placement)")
        }
        if let features, !Self.featureNames.contains(features) {
            throw ValidationError("--features must be none, event-idx, indirect or event-idx+indirect, not \(features)")
        }
        if let completion, BenchCase.Completion(rawValue: completion) == nil {
            throw ValidationError("--completion must be in-order or out-of-order, not \(completion)")
        }
        if let decision, BenchCase.Decision(rawValue: decision) == nil {
            throw ValidationError("--decision must be per-chain or per-batch, not \(decision)")
        }
        guard seconds > 0, seconds <= 60 else { throw ValidationError("--seconds must be in (0, 60]") }
        if let chainLength, !(1...16).contains(chainLength) {
            throw ValidationError("--chain-length must be between 1 and 16, not \(chainLength)")
        }
        if let queueSize, !(16...32768).contains(queueSize) || queueSize.nonzeroBitCount != 1 {
            throw ValidationError("--queue-size must be a power of two from 16 to 32768, not \(queueSize)")
        }
    }

    func run() throws {
        let cases = BenchCase.matrix(
            formats: format.flatMap(BenchCase.Format.init(rawValue:)).map { [$0] } ?? BenchCase.Format.allCases,
            placements: placement.flatMap(BenchCase.Placement.init(rawValue:)).map { [$0] } ?? [.oneCore, .twoCores],
            chainLengths: chainLength.map { [$0] } ?? [1, 3, 8],
            queueSizes: queueSize.map { [$0] } ?? [256, 1024]
        ).filter {
            (features == nil || $0.featureName == features) && (completion == nil || $0.completion.rawValue == completion)
                && (decision == nil || $0.decision.rawValue == decision)
        }
        var results: [BenchResult] = []
        for c in cases { results.append(try BenchRunner.run(c, seconds: seconds)) }
        print(json ? try ResultTable.json(results) : ResultTable.text(results))
        if let plot {
            try BarChartSVG.render(results).write(toFile: plot, atomically: true, encoding: .utf8)
        }
    }
}
