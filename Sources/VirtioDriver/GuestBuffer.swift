/// One buffer a driver hands to a device: guest-physical address, length and direction.
public struct GuestBuffer: Equatable, Sendable {
    public var address: UInt64
    public var length: UInt32
    /// Whether the device writes it (VIRTQ_DESC_F_WRITE).
    public var deviceWritable: Bool

    public init(address: UInt64, length: UInt32, deviceWritable: Bool) {
        self.address = address
        self.length = length
        self.deviceWritable = deviceWritable
    }
}

/// A buffer the device returned: the token the driver added it with and the length the device
/// reported as written.
public struct UsedBuffer: Equatable, Sendable {
    public var token: UInt32
    public var length: UInt32

    public init(token: UInt32, length: UInt32) {
        self.token = token
        self.length = length
    }
}

/// Where a driver model places its ring areas and indirect tables in guest memory.
public struct DriverLayout: Equatable, Sendable {
    public var descriptorArea: UInt64
    public var driverArea: UInt64
    public var deviceArea: UInt64
    /// One indirect table of `maxSegments` entries per descriptor index or buffer ID.
    public var indirectArea: UInt64
    public var maxSegments: Int
    /// First byte after everything above.
    public var end: UInt64

    /// Lays out a queue of `size` at `base` (16-byte aligned), each area on a 64-byte boundary.
    public init(base: UInt64, size: Int, packed: Bool, maxSegments: Int) {
        func align(_ x: UInt64) -> UInt64 { (x + 63) & ~63 }
        let n = UInt64(size)
        descriptorArea = align(base)
        driverArea = align(descriptorArea + 16 * n)
        deviceArea = align(driverArea + (packed ? 4 : 6 + 2 * n))
        indirectArea = align(deviceArea + (packed ? 4 : 6 + 8 * n))
        self.maxSegments = maxSegments
        end = align(indirectArea + n * UInt64(maxSegments) * 16)
    }
}
