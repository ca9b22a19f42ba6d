import Virtio
#if canImport(Glibc)
import Glibc
#endif

/// virtio-blk request types and status values (virtio 1.2 §5.2.6).
enum BlockRequestType {
    static let read: UInt32 = 0
    static let write: UInt32 = 1
    static let flush: UInt32 = 4
    static let getID: UInt32 = 8
    static let discard: UInt32 = 11
    static let writeZeroes: UInt32 = 13
}

enum BlockStatus {
    static let ok: UInt8 = 0
    static let ioError: UInt8 = 1
    static let unsupported: UInt8 = 2
}

/// One buffer of a request, as host memory inside guest RAM.
struct BlockSegment {
    var host: UnsafeMutableRawPointer
    var length: Int
}

/// One popped virtio-blk request, taken apart (virtio 1.2 §5.2.6): the device-readable buffers
/// (the 16-byte header `type, reserved, sector`, then data for writes, discards and
/// write-zeroes) and the device-writable ones (data for reads and GET_ID, then the status byte,
/// which is the chain's last byte).
///
/// The chain may be framed any way (VIRTIO_F_VERSION_1 implies ANY_LAYOUT): the header may
/// straddle buffers and share one with data, the status byte may share the last buffer with
/// read data. The segment tables are owned by one I/O worker and sized once, so taking a
/// request apart allocates nothing; a chain with more non-empty buffers than the tables hold
/// is marked `tooManySegments` (answered IOERR), but still walked to its end to find the
/// status byte.
final class BlockRequest {
    let capacity: Int
    let readable: UnsafeMutablePointer<BlockSegment>
    let writable: UnsafeMutablePointer<BlockSegment>
    /// The data buffers of a read or write as one I/O vector for the backend.
    let vector: UnsafeMutablePointer<iovec>
    var readableCount = 0
    var writableCount = 0
    var readableBytes: UInt64 = 0
    /// Writable bytes before the status byte.
    var writableBytes: UInt64 = 0
    var tooManySegments = false
    /// Where the status byte goes; nil when the chain has no writable byte (or was corrupt).
    var status: UnsafeMutableRawPointer?
    /// Whether the chain held the whole 16-byte header.
    var hasHeader = false
    var type: UInt32 = 0
    var sector: UInt64 = 0

    init(capacity: Int) {
        self.capacity = capacity
        readable = .allocate(capacity: capacity)
        writable = .allocate(capacity: capacity)
        vector = .allocate(capacity: capacity)
    }

    deinit {
        readable.deallocate()
        writable.deallocate()
        vector.deallocate()
    }

    /// Walks `chain` into the tables and finds the header and the status byte. False when the
    /// chain cannot be answered at all (a chain error, or no writable byte for the status): the
    /// device then completes it with 0 bytes written.
    func load(_ chain: inout DescriptorChain) -> Bool {
        readableCount = 0
        writableCount = 0
        readableBytes = 0
        writableBytes = 0
        tooManySegments = false
        status = nil
        hasHeader = false
        var last: BlockSegment?
        do {
            while let d = try chain.next() {
                guard d.length > 0 else { continue }
                let segment = BlockSegment(host: d.host, length: Int(d.length))
                if d.isDeviceWritable {
                    if let previous = last { append(previous, writable: true) }
                    last = segment
                } else {
                    append(segment, writable: false)
                }
            }
        } catch {
            return false
        }
        guard var statusSegment = last else { return false }
        statusSegment.length &-= 1
        status = statusSegment.host.advanced(by: statusSegment.length)
        if statusSegment.length > 0 { append(statusSegment, writable: true) }
        var header = (UInt64(0), UInt64(0))
        let got = withUnsafeMutableBytes(of: &header) { copyReadable(into: $0, from: 0) }
        guard got == 16 else { return true }
        hasHeader = true
        type = UInt32(truncatingIfNeeded: UInt64(littleEndian: header.0))
        sector = UInt64(littleEndian: header.1)
        return true
    }

    @inline(__always)
    private func append(_ segment: BlockSegment, writable isWritable: Bool) {
        if isWritable {
            writableBytes &+= UInt64(segment.length)
            guard writableCount < capacity else { tooManySegments = true; return }
            writable[writableCount] = segment
            writableCount &+= 1
        } else {
            readableBytes &+= UInt64(segment.length)
            guard readableCount < capacity else { tooManySegments = true; return }
            readable[readableCount] = segment
            readableCount &+= 1
        }
    }

    /// Copies readable bytes starting `from` bytes into the readable part; returns the count.
    func copyReadable(into buffer: UnsafeMutableRawBufferPointer, from start: UInt64) -> Int {
        var skip = start
        var done = 0
        for i in 0..<readableCount where done < buffer.count {
            let s = readable[i]
            if skip >= UInt64(s.length) { skip &-= UInt64(s.length); continue }
            let n = min(s.length &- Int(skip), buffer.count &- done)
            buffer.baseAddress!.advanced(by: done).copyMemory(from: s.host.advanced(by: Int(skip)), byteCount: n)
            done &+= n
            skip = 0
        }
        return done
    }

    /// Bytes of readable data after the 16-byte header.
    var dataOutBytes: UInt64 { readableBytes &- 16 }
}
