#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw disk image file, byte for byte the guest's disk (`--drive file=PATH,format=raw`).
///
/// Read-only disks (`readonly=on`) open the file `O_RDONLY`, so the host enforces that the image
/// never changes, and refuse writes, write-zeroes and discards with `BlockError.readOnly`.
public final class RawFileBackend: BlockBackend {
    private let file: BlockFile
    public let isReadOnly: Bool
    public var capacity: UInt64 { file.size }

    public init(path: String, readOnly: Bool) throws(BlockError) {
        file = try BlockFile.open(path, writable: !readOnly)
        isReadOnly = readOnly
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BlockError) {
        try checkRange(offset, UInt64(buffer.count))
        guard buffer.count > 0 else { return }
        try file.read(into: buffer, at: offset)
    }

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BlockError) {
        guard !isReadOnly else { throw .readOnly(path: file.path) }
        try checkRange(offset, UInt64(bytes.count))
        guard bytes.count > 0 else { return }
        try file.write(bytes, at: offset)
    }

    public func read(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError) {
        let total = buffers.reduce(0) { $0 + $1.iov_len }
        try checkRange(offset, UInt64(total))
        guard total > 0 else { return }
        try file.read(vector: buffers, total: total, at: offset)
    }

    public func write(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError) {
        guard !isReadOnly else { throw .readOnly(path: file.path) }
        let total = buffers.reduce(0) { $0 + $1.iov_len }
        try checkRange(offset, UInt64(total))
        guard total > 0 else { return }
        try file.write(vector: buffers, total: total, at: offset)
    }

    public func flush() throws(BlockError) {
        guard !isReadOnly else { return }
        try file.sync()
    }

    public func writeZeroes(at offset: UInt64, length: UInt64) throws(BlockError) {
        guard !isReadOnly else { throw .readOnly(path: file.path) }
        try checkRange(offset, length)
        try file.zero(at: offset, length: length)
    }

    public func discard(at offset: UInt64, length: UInt64) throws(BlockError) {
        try writeZeroes(at: offset, length: length)
    }
}
