extension NetdevConfiguration {
    /// The keys `--netdev user,...` accepts.
    public static let optionKeys = ["hostfwd", "mac"]

    /// Parses `user[,hostfwd=tcp:ADDR:HPORT-[GADDR]:GPORT]...[,mac=52:54:00:12:34:56]`.
    public init(parsing text: String) throws(ConfigurationError) {
        let option = "--netdev"
        let items = OptionList(text).items
        let backends = Kind.allCases.map(\.rawValue).joined(separator: " or ")
        guard let first = items.first, first.value == nil else {
            throw .malformed(option: option, text: text, expected: "a backend first: user[,hostfwd=...][,mac=...]")
        }
        guard let kind = Kind(rawValue: first.key) else {
            throw .badValue(option: option, key: nil, value: first.key, expected: "the backend \(backends)")
        }
        var netdev = NetdevConfiguration()
        netdev.kind = kind
        var keys = KeyTracker(option: option, known: Self.optionKeys, repeatable: ["hostfwd"])
        for item in items.dropFirst() {
            try keys.accept(item)
            let value = item.value ?? ""
            if item.key == "mac" {
                netdev.mac = try Self.macAddress(value)
                continue
            }
            let forward = try HostForward(parsing: value)
            if netdev.hostForwards.contains(where: { $0.listensLike(forward) }) {
                throw .conflict("--netdev: host port \(forward.transport.rawValue) \(forward.hostAddress):\(forward.hostPort) is forwarded twice")
            }
            netdev.hostForwards.append(forward)
        }
        self = netdev
    }

    /// Parses six colon-separated hex bytes; refuses multicast addresses (bit 0 of the first
    /// byte), which no NIC may use as its own.
    static func macAddress(_ text: String) throws(ConfigurationError) -> [UInt8] {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let bytes = parts.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        guard parts.count == 6, bytes.count == 6, bytes[0] & 1 == 0 else {
            throw .badValue(option: "--netdev", key: "mac", value: text,
                            expected: "a unicast address of six hex bytes, e.g. 52:54:00:12:34:56")
        }
        return bytes
    }
}

extension HostForward {
    /// Where an empty host address listens: only this host, never the whole network.
    public static let defaultHostAddress = "127.0.0.1"

    /// Parses `[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT`, QEMU's hostfwd syntax
    /// (`tcp::2222-:22`). Addresses are IPv4 dotted quads.
    public init(parsing text: String) throws(ConfigurationError) {
        let bad = ConfigurationError.badValue(option: "--netdev", key: "hostfwd", value: text,
                                              expected: "[tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, e.g. tcp::2222-:22")
        guard let colon = text.firstIndex(of: ":") else { throw bad }
        let protocolName = text[..<colon]
        guard let transport = protocolName.isEmpty ? .tcp : Transport(rawValue: String(protocolName)) else { throw bad }
        let ends = text[text.index(after: colon)...].split(separator: "-", omittingEmptySubsequences: false)
        guard ends.count == 2,
              let host = Self.endpoint(ends[0]), let guest = Self.endpoint(ends[1]) else { throw bad }
        self.init(transport: transport, hostAddress: host.address ?? Self.defaultHostAddress, hostPort: host.port,
                  guestAddress: guest.address, guestPort: guest.port)
    }

    /// `[ADDR]:PORT` with a non-zero port and, when present, an IPv4 address.
    private static func endpoint(_ text: Substring) -> (address: String?, port: UInt16)? {
        guard let colon = text.lastIndex(of: ":"),
              let port = UInt16(text[text.index(after: colon)...]), port != 0 else { return nil }
        let address = text[..<colon]
        if address.isEmpty { return (nil, port) }
        guard isIPv4(address) else { return nil }
        return (String(address), port)
    }

    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            (1...3).contains(part.count) && part.allSatisfy(\.isASCII) && UInt8(part) != nil
        }
    }

    /// Whether both forwards would listen on the same host socket.
    public func listensLike(_ other: HostForward) -> Bool {
        transport == other.transport && hostPort == other.hostPort
            && (hostAddress == other.hostAddress || hostAddress == "0.0.0.0" || other.hostAddress == "0.0.0.0")
    }
}
