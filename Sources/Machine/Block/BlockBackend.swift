#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host side of a disk: byte-addressed storage that a virtio-blk device reads and writes
/// from its I/O worker threads.
///
/// Every method may be called from several threads at once; requests use positioned I/O
/// (pread/pwrite), so concurrent requests on different ranges never disturb each other, and
/// overlapping concurrent requests behave like a real disk (some order, no corruption of other
/// ranges). A request that reaches past `capacity` is refused with `outOfRange`.
public protocol BlockBackend: AnyObject, Sendable {
    /// The disk's size in bytes.
    var capacity: UInt64 { get }
    /// Whether writes, discards and write-zeroes are refused.
    var isReadOnly: Bool { get }
    /// Fills `buffer` with the disk's bytes from `offset`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BlockError)
    /// Stores `bytes` at `offset`.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BlockError)
    /// Fills `buffers` in order with the disk's bytes from `offset` (one `preadv` where the
    /// backend can: a multi-buffer guest request in one system call, without a bounce buffer).
    func read(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError)
    /// Stores `buffers` in order from `offset` (one `pwritev` where the backend can).
    func write(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError)
    /// Returns once every completed write is on stable storage.
    func flush() throws(BlockError)
    /// Makes `[offset, offset + length)` read as zeros, deallocating host storage where it can.
    func writeZeroes(at offset: UInt64, length: UInt64) throws(BlockError)
    /// The guest no longer needs the range. xemu's backends then read it as zeros too, so a
    /// discard is a write-zeroes that frees host space.
    func discard(at offset: UInt64, length: UInt64) throws(BlockError)
}

extension BlockBackend {
    /// Buffer by buffer, for backends without a vectored path.
    public func read(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError) {
        var position = offset
        for v in buffers {
            try read(into: UnsafeMutableRawBufferPointer(start: v.iov_base, count: v.iov_len), at: position)
            position &+= UInt64(v.iov_len)
        }
    }

    public func write(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError) {
        var position = offset
        for v in buffers {
            try write(UnsafeRawBufferPointer(start: v.iov_base, count: v.iov_len), at: position)
            position &+= UInt64(v.iov_len)
        }
    }

    /// Refuses a range that does not lie inside the disk (or whose end overflows).
    func checkRange(_ offset: UInt64, _ length: UInt64) throws(BlockError) {
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= capacity else { throw .outOfRange(offset: offset, length: length, capacity: capacity) }
    }
}
