/// virtio-blk feature bits (virtio 1.2 §5.2.3).
public enum BlockFeature {
    public static let sizeMax: UInt64 = 1 << 1
    public static let segMax: UInt64 = 1 << 2
    public static let readOnly: UInt64 = 1 << 5
    public static let blockSize: UInt64 = 1 << 6
    public static let flush: UInt64 = 1 << 9
    public static let topology: UInt64 = 1 << 10
    public static let multiQueue: UInt64 = 1 << 12
    public static let discard: UInt64 = 1 << 13
    public static let writeZeroes: UInt64 = 1 << 14
}

/// The limits a virtio-blk device advertises and enforces: the fields of `struct
/// virtio_blk_config` it fills (virtio 1.2 §5.2.4), laid out at their spec offsets by `read`.
struct BlockConfigSpace: Sendable {
    /// Bytes of config space the device exposes: up to and including `write_zeroes_may_unmap`
    /// and its padding (the secure-erase and zoned fields belong to features not offered).
    static let size = 60
    /// virtio-blk sectors are always 512 bytes, whatever `blk_size` says (§5.2.6).
    static let sectorSize: UInt64 = 512
    /// Data buffers a request may carry (`seg_max`): the queue size less header and status.
    static let segmentMax: UInt32 = 254
    /// The largest single buffer (`size_max`).
    static let segmentSizeMax: UInt32 = 4 << 20
    /// Logical block size in bytes (`blk_size`).
    static let blockSize: UInt32 = 512
    /// Physical blocks are 2^3 logical blocks (4 KiB), the host page and file-system block.
    static let physicalBlockExponent: UInt8 = 3
    /// The minimum efficient I/O, in logical blocks (one physical block).
    static let minimumIOSize: UInt16 = 8
    /// Sectors one discard or write-zeroes segment may cover (2 GiB).
    static let maxRangeSectors: UInt32 = 4 << 20
    /// Segments one discard or write-zeroes request may carry.
    static let maxRangeSegments: UInt32 = 32
    /// Discards aligned to 4 KiB free host blocks.
    static let discardAlignment: UInt32 = 8

    /// The disk's size in 512-byte sectors (a partial last sector is not exposed).
    let capacitySectors: UInt64
    let queueCount: UInt16

    /// Reads `size` little-endian bytes at `offset`; fields outside the offered features read 0.
    func read(offset: Int, size: Int) -> UInt64 {
        var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &bytes) { raw in
            func put<T: FixedWidthInteger>(_ value: T, _ at: Int) { raw.storeBytes(of: value.littleEndian, toByteOffset: at, as: T.self) }
            put(capacitySectors, 0)
            put(Self.segmentSizeMax, 8)
            put(Self.segmentMax, 12)
            put(Self.blockSize, 20)
            put(Self.physicalBlockExponent, 24)
            put(Self.minimumIOSize, 26)
            put(queueCount, 34)
            put(Self.maxRangeSectors, 36)
            put(Self.maxRangeSegments, 40)
            put(Self.discardAlignment, 44)
            put(Self.maxRangeSectors, 48)
            put(Self.maxRangeSegments, 52)
            put(UInt8(1), 56)
            guard offset >= 0, size > 0, size <= 8, offset + size <= Self.size else { return 0 }
            var value: UInt64 = 0
            for i in 0..<size { value |= UInt64(raw[offset + i]) << (8 * i) }
            return value
        }
    }
}
