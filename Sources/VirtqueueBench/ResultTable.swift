import BenchReport
import Foundation

/// Text and JSON renderings of benchmark results.
public enum ResultTable {
    /// One row per (placement, features, chain length, queue size, completion, decision), split
    /// and packed side by side, in millions of chains per second.
    public static func text(_ results: [BenchResult]) -> String {
        var lines: [String] = []
        let header = pad("placement", 10) + pad("features", 19) + pad("len", 4) + pad("queue", 6) + pad("completion", 13)
            + pad("decision", 10) + lpad("split Mc/s", 11) + lpad("packed Mc/s", 12) + lpad("split ns", 9)
            + lpad("packed ns", 10) + lpad("mallocs/chain", 14)
        lines.append(header)
        lines.append(String(repeating: "-", count: header.count))
        var seen = Set<String>()
        for r in results {
            let key = r.placement + " " + r.pairLabel
            guard seen.insert(key).inserted else { continue }
            let split = results.first { $0.placement == r.placement && $0.pairLabel == r.pairLabel && $0.format == "split" }
            let packed = results.first { $0.placement == r.placement && $0.pairLabel == r.pairLabel && $0.format == "packed" }
            let mallocs = max(split?.mallocsPerChain ?? 0, packed?.mallocsPerChain ?? 0)
            lines.append(pad(r.placement, 10) + pad(r.features, 19) + pad("\(r.chainLength)", 4) + pad("\(r.queueSize)", 6)
                + pad(r.completion, 13) + pad(r.decision, 10)
                + lpad(split.map { fmt($0.chainsPerSecond / 1e6) } ?? "-", 11)
                + lpad(packed.map { fmt($0.chainsPerSecond / 1e6) } ?? "-", 12)
                + lpad(split.map { fmt($0.nanosecondsPerChain) } ?? "-", 9)
                + lpad(packed.map { fmt($0.nanosecondsPerChain) } ?? "-", 10)
                + lpad(MallocCounter.isWorking ? String(format: "%.4f", mallocs) : "n/a", 14))
        }
        if !MallocCounter.isWorking { lines.append("(malloc calls are not counted on this platform)") }
        return lines.joined(separator: "\n")
    }

    /// A JSON array with one object per case.
    public static func json(_ results: [BenchResult]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }

    static func fmt(_ x: Double) -> String { TextColumns.fmt(x) }
    static func pad(_ s: String, _ n: Int) -> String { TextColumns.pad(s, n) }
    static func lpad(_ s: String, _ n: Int) -> String { TextColumns.lpad(s, n) }
}
