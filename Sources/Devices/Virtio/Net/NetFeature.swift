/// virtio-net feature bits and configuration layout (virtio 1.2 §5.1.3, §5.1.4).
public enum NetFeature {
    /// The device checksums frames whose header asks for it (partial checksum offload).
    public static let checksum: UInt64 = 1 << 0
    /// The driver accepts frames with unchecked checksums (DATA_VALID tells it they are good).
    public static let guestChecksum: UInt64 = 1 << 1
    /// `mtu` in the configuration is valid.
    public static let mtu: UInt64 = 1 << 3
    /// `mac` in the configuration is valid.
    public static let mac: UInt64 = 1 << 5
    /// The driver can spread one received frame over several receive chains.
    public static let mergeableRxBuffers: UInt64 = 1 << 15
    /// `status` in the configuration is valid (link up).
    public static let status: UInt64 = 1 << 16

    /// What this device offers.
    public static let offered: UInt64 = checksum | guestChecksum | mtu | mac | mergeableRxBuffers | status
}

/// The virtio-net configuration space (virtio 1.2 §5.1.4): `mac[6]`, `status` (LINK_UP),
/// `max_virtqueue_pairs` (1) and `mtu`, little-endian, 12 bytes.
struct NetConfigSpace: Sendable {
    static let size = 12
    static let linkUp: UInt16 = 1

    var bytes: [UInt8]

    init(mac: [UInt8], mtu: UInt16, linkUp: Bool) {
        precondition(mac.count == 6, "a MAC address has six bytes")
        let status: UInt16 = linkUp ? Self.linkUp : 0
        bytes = mac + [UInt8(status & 0xFF), UInt8(status >> 8), 1, 0, UInt8(mtu & 0xFF), UInt8(mtu >> 8)]
    }

    /// Stores the bytes of a write that fall inside `mac` (the rest of the space is read-only).
    mutating func writeMAC(offset: Int, size: Int, value: UInt64) {
        for i in 0..<size where offset + i < 6 {
            bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
        }
    }

    /// `size` little-endian bytes at `offset` (the transport keeps the range inside).
    func read(offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<size).reversed() where offset + i < bytes.count {
            value = value << 8 | UInt64(bytes[offset + i])
        }
        return value
    }
}

/// The sizes a `NetDevice` works with.
public enum NetLimits {
    /// The MTU the device advertises.
    public static let mtu: UInt16 = 1500
    /// The largest Ethernet frame the device moves: header, MTU and a VLAN tag.
    public static let maxFrameLength = 14 + 4 + Int(mtu)
    /// Frames that wait for receive buffers at most.
    public static let waitQueueCapacity = 256
}
