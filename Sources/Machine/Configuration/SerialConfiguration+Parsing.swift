extension SerialConfiguration {
    /// Parses `stdio` or `file:PATH`.
    public init(parsing text: String) throws(ConfigurationError) {
        if text == "stdio" {
            self = .stdio
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(String(text.dropFirst(5)))
        } else {
            throw .badValue(option: "--serial", key: nil, value: text, expected: "stdio or file:PATH")
        }
    }
}

extension FirmwareChoice {
    /// Parses `none` (no firmware) or a firmware file's path.
    public init(parsing text: String) throws(ConfigurationError) {
        guard !text.isEmpty else { throw .badValue(option: "--bios", key: nil, value: text, expected: "a path or none") }
        self = text == "none" ? .none : .file(text)
    }
}

extension RawRepresentable where Self: CaseIterable, RawValue == String {
    /// Parses one of the type's raw values, naming the choices when `text` is none of them.
    public init(parsing text: String, option: String) throws(ConfigurationError) {
        guard let value = Self(rawValue: text) else {
            throw .badValue(option: option, key: nil, value: text,
                            expected: Self.allCases.map(\.rawValue).joined(separator: " or "))
        }
        self = value
    }
}
