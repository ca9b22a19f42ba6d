import Virtio

/// The header in front of every virtio-net frame (`struct virtio_net_hdr`, virtio 1.2 §5.1.6):
/// flags, gso_type, hdr_len, gso_size, csum_start, csum_offset and, in VERSION_1 devices or with
/// MRG_RXBUF, num_buffers. All fields are little-endian.
enum NetHeader {
    /// flags: the frame needs a checksum computed from csum_start, stored at csum_offset.
    static let needsChecksum: UInt8 = 1
    /// flags: the frame's checksums are known good (sent to the driver with GUEST_CSUM).
    static let dataValid: UInt8 = 2
    /// gso_type: no segmentation offload.
    static let gsoNone: UInt8 = 0
    /// Offset of num_buffers.
    static let numBuffersOffset = 10
    /// The size of the largest header.
    static let maxSize = 12

    /// 12 bytes for a VERSION_1 driver or with MRG_RXBUF, 10 for a legacy driver without it.
    static func size(features: UInt64) -> Int {
        features & (VirtioFeature.version1 | NetFeature.mergeableRxBuffers) != 0 ? 12 : 10
    }

    /// Completes a partial checksum: the one's-complement sum of `frame[start...]` (whose
    /// checksum field holds the driver's pseudo-header sum) stored at `start + offset`.
    /// False when the offsets point outside the frame.
    static func insertChecksum(_ frame: UnsafeMutableRawBufferPointer, start: Int, offset: Int) -> Bool {
        let field = start + offset
        guard start < frame.count, offset <= frame.count, field + 2 <= frame.count else { return false }
        var sum: UInt32 = 0
        var i = start
        while i + 1 < frame.count {
            sum &+= UInt32(frame[i]) << 8 | UInt32(frame[i + 1])
            i += 2
        }
        if i < frame.count { sum &+= UInt32(frame[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) &+ (sum >> 16) }
        let checksum = ~UInt16(truncatingIfNeeded: sum)
        frame[field] = UInt8(checksum >> 8)
        frame[field + 1] = UInt8(checksum & 0xFF)
        return true
    }
}
