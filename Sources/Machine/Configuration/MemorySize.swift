/// A byte count written the way users write memory sizes: `512M`, `2G`, `1024K`, `1T`, or a
/// plain number of bytes. Suffixes are binary (K = 1024) and case-insensitive; a trailing `B`
/// (`512MB`, `512MiB`) is accepted too.
public struct MemorySize: Sendable, Equatable, CustomStringConvertible {
    public var bytes: UInt64

    public init(bytes: UInt64) { self.bytes = bytes }

    public init(parsing text: String, option: String = "--memory") throws(ConfigurationError) {
        var digits = Substring(text)
        var unit = Substring("")
        if let firstLetter = text.firstIndex(where: { !$0.isASCII || !$0.isNumber }) {
            digits = text[..<firstLetter]
            unit = text[firstLetter...]
        }
        let shift: UInt64
        switch unit.uppercased() {
        case "", "B": shift = 0
        case "K", "KB", "KIB": shift = 10
        case "M", "MB", "MIB": shift = 20
        case "G", "GB", "GIB": shift = 30
        case "T", "TB", "TIB": shift = 40
        default: throw .malformedSize(option: option, text: text)
        }
        guard !digits.isEmpty, let count = UInt64(digits) else { throw .malformedSize(option: option, text: text) }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: 1 << shift)
        guard !overflow else { throw .outOfRange(option: option, value: text, allowed: "less than 16 EiB") }
        self.bytes = bytes
    }

    /// The shortest exact form: `512M`, `2G`, `1536K`, or bytes.
    public var description: String {
        for (shift, suffix) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] as [(UInt64, String)]
        where bytes != 0 && bytes & ((1 << shift) - 1) == 0 {
            return "\(bytes >> shift)\(suffix)"
        }
        return "\(bytes)"
    }
}
