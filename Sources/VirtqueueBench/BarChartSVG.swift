import Foundation

/// A grouped bar chart of benchmark results, written as plain SVG: one panel per placement,
/// one group per case label, one bar per ring format (split, packed).
public enum BarChartSVG {
    static let colors = ["split": "#4C72B0", "packed": "#DD8452"]

    public static func render(_ results: [BenchResult]) -> String {
        let placements = ["engine-only", "one-core", "two-cores"].filter { p in results.contains { $0.placement == p } }
        let barWidth = 7.0, groupGap = 6.0, panelHeight = 260.0, top = 40.0, left = 60.0, labelSpace = 150.0
        var labels: [String] = []
        for r in results where !labels.contains(r.pairLabel) { labels.append(r.pairLabel) }
        let groupWidth = 2 * barWidth + groupGap
        let width = left + Double(labels.count) * groupWidth + 40
        let panelTotal = panelHeight + labelSpace + top
        let height = Double(placements.count) * panelTotal + 20
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="10">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="16" font-size="14">xemu bench virtqueue: million chains per second (higher is better)</text>
        <rect x="\(Int(width) - 150)" y="6" width="10" height="10" fill="\(colors["split"]!)"/><text x="\(Int(width) - 136)" y="15">split</text>
        <rect x="\(Int(width) - 90)" y="6" width="10" height="10" fill="\(colors["packed"]!)"/><text x="\(Int(width) - 76)" y="15">packed</text>

        """
        for (p, placement) in placements.enumerated() {
            let y0 = Double(p) * panelTotal + top
            let rows = results.filter { $0.placement == placement }
            let peak = max(rows.map(\.chainsPerSecond).max() ?? 1, 1) / 1e6
            let scale = niceCeiling(peak)
            svg += "<text x=\"\(left)\" y=\"\(y0 - 6)\" font-size=\"12\">\(placement)</text>\n"
            for tick in 0...4 {
                let v = scale * Double(tick) / 4
                let y = y0 + panelHeight - panelHeight * v / scale
                svg += "<line x1=\"\(left)\" y1=\"\(f(y))\" x2=\"\(f(width - 30))\" y2=\"\(f(y))\" stroke=\"#ddd\"/>"
                svg += "<text x=\"\(left - 6)\" y=\"\(f(y + 3))\" text-anchor=\"end\">\(f(v))</text>\n"
            }
            for (g, label) in labels.enumerated() {
                let x0 = left + Double(g) * groupWidth + groupGap / 2
                for (b, format) in ["split", "packed"].enumerated() {
                    guard let r = rows.first(where: { $0.pairLabel == label && $0.format == format }) else { continue }
                    let v = r.chainsPerSecond / 1e6
                    let h = panelHeight * v / scale
                    svg += "<rect x=\"\(f(x0 + Double(b) * barWidth))\" y=\"\(f(y0 + panelHeight - h))\" width=\"\(f(barWidth - 1))\" height=\"\(f(h))\" fill=\"\(colors[format]!)\"><title>\(format) \(label): \(f(v)) M chains/s</title></rect>"
                }
                let lx = x0 + barWidth, ly = y0 + panelHeight + 6
                svg += "<text transform=\"translate(\(f(lx)),\(f(ly))) rotate(60)\" font-size=\"8\">\(label)</text>\n"
            }
        }
        svg += "</svg>\n"
        return svg
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    static func niceCeiling(_ x: Double) -> Double {
        let magnitude = pow(10, floor(log10(x)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= x { return step * magnitude }
        return 10 * magnitude
    }
}
