import Machine

/// The `--list-boards` table: name, architecture, status and summary, one board per line.
enum BoardTable {
    static func render(_ boards: [BoardDescriptor]) -> String {
        let header = ["BOARD", "ARCH", "STATUS", "SUMMARY"]
        let rows = [header] + boards.map { [$0.name, $0.architecture, statusText($0.status), $0.summary] }
        let widths = (0..<header.count - 1).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            var line = ""
            for (column, width) in widths.enumerated() {
                line += row[column] + String(repeating: " ", count: width - row[column].count + 2)
            }
            return line + row[header.count - 1]
        }.joined(separator: "\n")
    }

    static func statusText(_ status: BoardStatus) -> String {
        switch status {
        case .available: "available"
        case let .partial(what): "partial: \(what)"
        case .planned: "planned"
        }
    }
}
