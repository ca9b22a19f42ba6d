import BenchReport

/// A grouped bar chart of benchmark results: one panel per placement, one group per case
/// label, one bar per ring format (split, packed).
public enum BarChartSVG {
    public static func render(_ results: [BenchResult]) -> String {
        let placements = ["engine-only", "one-core", "two-cores"].filter { p in results.contains { $0.placement == p } }
        var labels: [String] = []
        for r in results where !labels.contains(r.pairLabel) { labels.append(r.pairLabel) }
        let panels = placements.map { placement in
            GroupedBarChart.Panel(title: placement, groups: labels.map { label in
                var values: [String: Double] = [:]
                for r in results where r.placement == placement && r.pairLabel == label {
                    values[r.format] = r.chainsPerSecond / 1e6
                }
                return GroupedBarChart.Group(label: label, values: values)
            })
        }
        return GroupedBarChart(title: "xemu bench virtqueue: million chains per second (higher is better)",
                               series: [("split", "#4C72B0"), ("packed", "#DD8452")], unit: "M chains/s",
                               panels: panels).render()
    }
}
