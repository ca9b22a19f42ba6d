extension DriveConfiguration {
    /// The keys `--drive` accepts, in the order the help text lists them.
    public static let optionKeys = ["file", "format", "readonly", "snapshot", "if", "serial", "queues", "transport"]
    /// virtio-blk request queues a drive may ask for.
    public static let queueRange = 1...64
    /// The virtio-blk device ID is at most 20 bytes (virtio 1.2 §5.2.6, VIRTIO_BLK_ID_BYTES).
    public static let maximumSerialLength = 20

    /// Parses `file=PATH[,format=raw][,readonly=on|off][,snapshot=on|off][,if=virtio]`
    /// `[,serial=NAME][,queues=N][,transport=mmio|pci]`.
    public init(parsing text: String) throws(ConfigurationError) {
        let option = "--drive"
        var keys = KeyTracker(option: option, known: Self.optionKeys)
        var drive = DriveConfiguration(path: "")
        var path: String?
        for item in OptionList(text).items {
            try keys.accept(item)
            switch item.key {
            case "file":
                guard let value = item.value, !value.isEmpty else {
                    throw .badValue(option: option, key: "file", value: "", expected: "a path")
                }
                path = value
            case "format": drive.format = try item.choiceValue(option: option, as: DiskFormat.self)
            case "readonly": drive.readOnly = try item.switchValue(option: option)
            case "snapshot": drive.snapshot = try item.switchValue(option: option)
            case "if": drive.interface = try item.choiceValue(option: option, as: DriveInterface.self)
            case "serial": drive.serial = try Self.serial(item.value ?? "")
            case "transport": drive.transport = try item.choiceValue(option: option, as: VirtioTransportKind.self)
            default: drive.queues = try item.integerValue(option: option, in: Self.queueRange)
            }
        }
        guard let path else { throw .missingKey(option: option, key: "file", example: "file=disk.img") }
        drive.path = path
        self = drive
    }

    private static func serial(_ text: String) throws(ConfigurationError) -> String {
        let printable = text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
        guard !text.isEmpty, text.utf8.count <= maximumSerialLength, printable else {
            throw .badValue(option: "--drive", key: "serial", value: text,
                            expected: "1 to \(maximumSerialLength) printable ASCII characters without spaces")
        }
        return text
    }

    /// Whether the guest may change the image file itself.
    public var writesImage: Bool { !readOnly && !snapshot }
}
