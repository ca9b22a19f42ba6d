extension ShareConfiguration {
    /// The keys `--share HOSTDIR,...` accepts after the directory.
    public static let optionKeys = ["tag", "readonly"]
    /// Longest mount tag accepted; the guest names the share by it (`mount -t 9p TAG /mnt`).
    public static let maximumTagLength = 64

    /// Parses `HOSTDIR,tag=NAME[,readonly=on|off]`. The directory comes first and is taken as
    /// written (a comma in it is written `,,`). With a `defaultTag`, `tag=` may be left out
    /// (`xemu run` names its shares itself).
    public init(parsing text: String, defaultTag: String? = nil) throws(ConfigurationError) {
        let option = "--share"
        let items = OptionList(text).items
        guard let directory = items.first?.text, !directory.isEmpty else {
            throw .malformed(option: option, text: text, expected: "HOSTDIR,tag=NAME[,readonly=on]")
        }
        var keys = KeyTracker(option: option, known: Self.optionKeys)
        var tag: String?
        var readOnly = false
        for item in items.dropFirst() {
            try keys.accept(item)
            if item.key == "readonly" {
                readOnly = try item.switchValue(option: option)
            } else {
                tag = try Self.tag(item.value ?? "")
            }
        }
        guard let tag = tag ?? defaultTag else { throw .missingKey(option: option, key: "tag", example: "\(directory),tag=share") }
        self.init(hostPath: directory, tag: tag)
        self.readOnly = readOnly
    }

    private static func tag(_ text: String) throws(ConfigurationError) -> String {
        let allowed = text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        guard !text.isEmpty, text.utf8.count <= maximumTagLength, allowed else {
            throw .badValue(option: "--share", key: "tag", value: text,
                            expected: "1 to \(maximumTagLength) printable ASCII characters without spaces")
        }
        return text
    }
}
