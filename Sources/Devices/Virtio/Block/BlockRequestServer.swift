import Machine
#if canImport(Glibc)
import Glibc
#endif

/// Executes taken-apart virtio-blk requests against a backend (virtio 1.2 §5.2.6).
///
/// Data moves straight between guest RAM and the backend: a read is one vectored positioned
/// read (preadv) into the guest's buffers, a write one pwritev from them, with no intermediate
/// copy. Nothing
/// reaches the backend before the whole request has been checked: direction of every buffer,
/// 512-byte multiples, the range against the capacity (with overflow checks), read-only, and
/// every discard/write-zeroes segment, so a malformed request never touches the image.
struct BlockRequestServer<Backend: BlockBackend>: @unchecked Sendable {
    let backend: Backend
    /// The exposed size in bytes (whole sectors).
    let capacityBytes: UInt64
    let readOnly: Bool
    /// The GET_ID answer: the serial, zero-padded to 20 bytes.
    let identity: [UInt8]
    /// The negotiated features.
    let features: UInt64
    let metrics: BlockMetrics

    /// Serves `request` (loaded, with a status byte), writes its status and returns the used
    /// length: the bytes written into the guest's buffers, status byte included.
    func serve(_ request: BlockRequest) -> UInt32 {
        let (status, written) = execute(request)
        request.status!.storeBytes(of: status, as: UInt8.self)
        metrics.count(status: status)
        return UInt32(truncatingIfNeeded: written) &+ 1
    }

    private func execute(_ r: BlockRequest) -> (UInt8, UInt64) {
        guard r.hasHeader, !r.tooManySegments else { return (BlockStatus.ioError, 0) }
        switch r.type {
        case BlockRequestType.read:
            guard r.dataOutBytes == 0, let start = range(r.sector, r.writableBytes) else { return (BlockStatus.ioError, 0) }
            for i in 0..<r.writableCount {
                r.vector[i] = iovec(iov_base: r.writable[i].host, iov_len: r.writable[i].length)
            }
            do {
                try backend.read(vector: UnsafeBufferPointer(start: r.vector, count: r.writableCount), at: start)
            } catch {
                return (BlockStatus.ioError, 0)
            }
            metrics.bytesRead.add(r.writableBytes, ordering: .relaxed)
            return (BlockStatus.ok, r.writableBytes)
        case BlockRequestType.write:
            guard !readOnly, r.writableBytes == 0, let start = range(r.sector, r.dataOutBytes) else {
                return (BlockStatus.ioError, 0)
            }
            var skip = 16
            var count = 0
            for i in 0..<r.readableCount {
                let segment = r.readable[i]
                if skip >= segment.length { skip &-= segment.length; continue }
                r.vector[count] = iovec(iov_base: segment.host.advanced(by: skip), iov_len: segment.length &- skip)
                count &+= 1
                skip = 0
            }
            do {
                try backend.write(vector: UnsafeBufferPointer(start: r.vector, count: count), at: start)
            } catch {
                return (BlockStatus.ioError, 0)
            }
            metrics.bytesWritten.add(r.dataOutBytes, ordering: .relaxed)
            return (BlockStatus.ok, 0)
        case BlockRequestType.flush:
            guard r.dataOutBytes == 0, r.writableBytes == 0 else { return (BlockStatus.ioError, 0) }
            do { try backend.flush() } catch { return (BlockStatus.ioError, 0) }
            return (BlockStatus.ok, 0)
        case BlockRequestType.getID:
            guard r.dataOutBytes == 0 else { return (BlockStatus.ioError, 0) }
            var done = 0
            let total = min(Int(r.writableBytes), identity.count)
            for i in 0..<r.writableCount where done < total {
                let s = r.writable[i]
                let n = min(s.length, total &- done)
                identity.withUnsafeBytes { s.host.copyMemory(from: $0.baseAddress! + done, byteCount: n) }
                done &+= n
            }
            return (BlockStatus.ok, UInt64(done))
        case BlockRequestType.discard:
            guard features & BlockFeature.discard != 0 else { return (BlockStatus.unsupported, 0) }
            return (ranges(r, discard: true), 0)
        case BlockRequestType.writeZeroes:
            guard features & BlockFeature.writeZeroes != 0 else { return (BlockStatus.unsupported, 0) }
            return (ranges(r, discard: false), 0)
        default:
            return (BlockStatus.unsupported, 0)
        }
    }

    /// The byte offset of `sector` if `[sector, sector + length)` is a whole number of sectors
    /// inside the disk.
    private func range(_ sector: UInt64, _ length: UInt64) -> UInt64? {
        guard length % BlockConfigSpace.sectorSize == 0, sector <= capacityBytes / BlockConfigSpace.sectorSize else { return nil }
        let start = sector &* BlockConfigSpace.sectorSize
        guard length <= capacityBytes &- start else { return nil }
        return start
    }

    /// DISCARD and WRITE_ZEROES: every 16-byte segment `sector, num_sectors, flags` is checked
    /// before the first one is executed.
    private func ranges(_ r: BlockRequest, discard: Bool) -> UInt8 {
        guard !readOnly, r.writableBytes == 0, r.dataOutBytes > 0, r.dataOutBytes % 16 == 0,
              r.dataOutBytes / 16 <= UInt64(BlockConfigSpace.maxRangeSegments) else { return BlockStatus.ioError }
        let count = Int(r.dataOutBytes / 16)
        var unsupported = false
        for pass in 0..<2 {
            for k in 0..<count {
                var segment = (UInt64(0), UInt32(0), UInt32(0))
                _ = withUnsafeMutableBytes(of: &segment) { r.copyReadable(into: $0, from: 16 &+ 16 &* UInt64(k)) }
                let sector = UInt64(littleEndian: segment.0)
                let sectors = UInt32(littleEndian: segment.1), flags = UInt32(littleEndian: segment.2)
                let length = UInt64(sectors) &* BlockConfigSpace.sectorSize
                if pass == 0 {
                    // Unknown flags, or unmap on a discard, are UNSUPP; limits and range IOERR.
                    if flags & ~1 != 0 || (discard && flags != 0) { unsupported = true }
                    guard sectors <= BlockConfigSpace.maxRangeSectors, range(sector, length) != nil else {
                        return BlockStatus.ioError
                    }
                    continue
                }
                do {
                    if discard {
                        try backend.discard(at: sector &* BlockConfigSpace.sectorSize, length: length)
                    } else {
                        try backend.writeZeroes(at: sector &* BlockConfigSpace.sectorSize, length: length)
                    }
                } catch {
                    return BlockStatus.ioError
                }
            }
            if unsupported { return BlockStatus.unsupported }
        }
        return BlockStatus.ok
    }
}
