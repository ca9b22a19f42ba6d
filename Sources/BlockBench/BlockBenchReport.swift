import BenchReport
import Foundation

/// Text, JSON and SVG renderings of `xemu bench blk` results.
public enum BlockBenchReport {
    /// One row per workload and depth: split and packed side by side, then the raw file.
    public static func text(_ results: [BlockBenchResult]) -> String {
        typealias C = TextColumns
        let header = C.pad("workload", 14) + C.pad("depth", 6) + C.lpad("split MB/s", 11) + C.lpad("split IOPS", 11)
            + C.lpad("packed MB/s", 12) + C.lpad("packed IOPS", 12) + C.lpad("raw MB/s", 10) + C.lpad("raw IOPS", 10)
            + C.lpad("split/raw", 10) + C.lpad("packed/raw", 11)
        var lines = [header, String(repeating: "-", count: header.count)]
        var seen = Set<String>()
        for r in results where seen.insert("\(r.workload)/\(r.depth)").inserted {
            let split = results.first { $0.workload == r.workload && $0.depth == r.depth && $0.format == "split" }
            let packed = results.first { $0.workload == r.workload && $0.depth == r.depth && $0.format == "packed" }
            func count(_ x: Double?) -> String { x.map { String(format: "%.0f", $0) } ?? "-" }
            func percent(_ x: Double?) -> String { x.map { String(format: "%.0f %%", $0 * 100) } ?? "-" }
            lines.append(C.pad(r.workload, 14) + C.pad("\(r.depth)", 6)
                + C.lpad(split.map { C.fmt($0.megabytesPerSecond) } ?? "-", 11) + C.lpad(count(split?.iops), 11)
                + C.lpad(packed.map { C.fmt($0.megabytesPerSecond) } ?? "-", 12) + C.lpad(count(packed?.iops), 12)
                + C.lpad(C.fmt(r.rawMegabytesPerSecond), 10) + C.lpad(count(r.rawIOPS), 10)
                + C.lpad(percent(split?.fractionOfRaw), 10) + C.lpad(percent(packed?.fractionOfRaw), 11))
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ results: [BlockBenchResult]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(results), as: UTF8.self)
    }

    /// Two panels: MB/s of the 1 MiB workloads, thousands of IOPS of the 4 KiB ones; bars for
    /// split, packed and the raw file.
    public static func svg(_ results: [BlockBenchResult]) -> String {
        func panel(_ title: String, big: Bool, _ value: (BlockBenchResult) -> Double, raw: (BlockBenchResult) -> Double) -> GroupedBarChart.Panel {
            var groups: [GroupedBarChart.Group] = []
            var seen = Set<String>()
            for r in results where (r.requestSize >= 1 << 20) == big && seen.insert("\(r.workload)/\(r.depth)").inserted {
                var values = ["raw file": raw(r)]
                for x in results where x.workload == r.workload && x.depth == r.depth { values[x.format] = value(x) }
                groups.append(GroupedBarChart.Group(label: "\(r.workload) qd\(r.depth)", values: values))
            }
            return GroupedBarChart.Panel(title: title, groups: groups)
        }
        let panels = [panel("1 MiB requests: MB/s", big: true, { $0.megabytesPerSecond }, raw: { $0.rawMegabytesPerSecond }),
                      panel("4 KiB requests: thousand IOPS", big: false, { $0.iops / 1e3 }, raw: { $0.rawIOPS / 1e3 })]
            .filter { !$0.groups.isEmpty }
        return GroupedBarChart(title: "xemu bench blk: virtio-blk vs the raw file (higher is better)",
                               series: [("split", "#4C72B0"), ("packed", "#DD8452"), ("raw file", "#55A868")],
                               unit: "", panels: panels).render()
    }
}
