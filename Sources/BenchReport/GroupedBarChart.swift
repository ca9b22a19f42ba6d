import Foundation

/// A grouped bar chart written as plain SVG, shared by the `xemu bench` subcommands: one panel
/// per placement or workload, one group of bars per case, one bar per series (for example the
/// split and packed ring formats), each bar with a tooltip.
public struct GroupedBarChart {
    /// One horizontal panel with its own scale.
    public struct Panel {
        public var title: String
        public var groups: [Group]
        public init(title: String, groups: [Group]) {
            self.title = title
            self.groups = groups
        }
    }

    /// One case: a label and a value per series (a missing series leaves a gap).
    public struct Group {
        public var label: String
        public var values: [String: Double]
        public init(label: String, values: [String: Double]) {
            self.label = label
            self.values = values
        }
    }

    public var title: String
    /// Series names and fill colours, in bar order.
    public var series: [(name: String, color: String)]
    /// The unit of the values, shown in tooltips.
    public var unit: String
    public var panels: [Panel]

    public init(title: String, series: [(name: String, color: String)], unit: String, panels: [Panel]) {
        self.title = title
        self.series = series
        self.unit = unit
        self.panels = panels
    }

    public func render() -> String {
        let barWidth = 7.0
        let groupGap = 6.0, panelHeight = 260.0, top = 40.0, left = 60.0, labelSpace = 150.0
        let groupCount = panels.map(\.groups.count).max() ?? 0
        let groupWidth = Double(series.count) * barWidth + groupGap
        let width = max(left + Double(groupCount) * groupWidth + 40, 80.0 * Double(series.count) + 300)
        let panelTotal = panelHeight + labelSpace + top
        let height = Double(panels.count) * panelTotal + 20
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="10">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="16" font-size="14">\(title)</text>

        """
        for (k, s) in series.enumerated() {
            let x = Int(width) - 70 * (series.count - k) - 20
            svg += "<rect x=\"\(x)\" y=\"6\" width=\"10\" height=\"10\" fill=\"\(s.color)\"/><text x=\"\(x + 14)\" y=\"15\">\(s.name)</text>\n"
        }
        for (p, panel) in panels.enumerated() {
            let y0 = Double(p) * panelTotal + top
            let peak = max(panel.groups.flatMap { $0.values.values }.max() ?? 1, 1e-9)
            let scale = Self.niceCeiling(peak)
            svg += "<text x=\"\(left)\" y=\"\(Self.f(y0 - 6))\" font-size=\"12\">\(panel.title)</text>\n"
            for tick in 0...4 {
                let v = scale * Double(tick) / 4
                let y = y0 + panelHeight - panelHeight * v / scale
                svg += "<line x1=\"\(left)\" y1=\"\(Self.f(y))\" x2=\"\(Self.f(width - 30))\" y2=\"\(Self.f(y))\" stroke=\"#ddd\"/>"
                svg += "<text x=\"\(left - 6)\" y=\"\(Self.f(y + 3))\" text-anchor=\"end\">\(Self.f(v))</text>\n"
            }
            for (g, group) in panel.groups.enumerated() {
                let x0 = left + Double(g) * groupWidth + groupGap / 2
                for (b, s) in series.enumerated() {
                    guard let v = group.values[s.name] else { continue }
                    let h = panelHeight * v / scale
                    svg += "<rect x=\"\(Self.f(x0 + Double(b) * barWidth))\" y=\"\(Self.f(y0 + panelHeight - h))\" width=\"\(Self.f(barWidth - 1))\" height=\"\(Self.f(h))\" fill=\"\(s.color)\"><title>\(s.name) \(group.label): \(Self.f(v)) \(unit)</title></rect>"
                }
                let lx = x0 + barWidth, ly = y0 + panelHeight + 6
                svg += "<text transform=\"translate(\(Self.f(lx)),\(Self.f(ly))) rotate(60)\" font-size=\"8\">\(group.label)</text>\n"
            }
        }
        svg += "</svg>\n"
        return svg
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    /// The smallest 1, 2, 2.5 or 5 times a power of ten at or above `x`: the axis top.
    public static func niceCeiling(_ x: Double) -> Double {
        let magnitude = pow(10, floor(log10(x)))
        for step in [1.0, 2.0, 2.5, 5.0, 10.0] where step * magnitude >= x { return step * magnitude }
        return 10 * magnitude
    }
}
