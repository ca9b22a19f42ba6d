import CHostIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open image file with whole-range positioned I/O: short transfers and EINTR are retried
/// until every byte has moved or a real error occurs.
///
/// Immutable after opening (the descriptor is only used with position-independent calls), so
/// one instance is shared by all I/O threads.
final class BlockFile: @unchecked Sendable {
    let fd: Int32
    let path: String
    /// The file's size when opened.
    let size: UInt64

    private init(fd: Int32, path: String) throws(BlockError) {
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            let error = errno
            close(fd)
            throw .ioFailed(path: path, operation: "finding the image size", errno: error)
        }
        self.fd = fd
        self.path = path
        self.size = UInt64(end)
    }

    deinit { close(fd) }

    /// Opens an existing image, for reading only or for reading and writing.
    static func open(_ path: String, writable: Bool) throws(BlockError) -> BlockFile {
        let fd = Glibc.open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = errno
            close(fd)
            throw .cannotOpen(path: path, errno: error)
        }
        guard (status.st_mode & S_IFMT) != S_IFDIR else {
            close(fd)
            throw .cannotOpen(path: path, errno: EISDIR)
        }
        return try BlockFile(fd: fd, path: path)
    }

    /// A new sparse file of `size` bytes in `directory`, unlinked at once so that it vanishes
    /// when xemu exits, however it exits.
    static func temporary(in directory: String, size: UInt64) throws(BlockError) -> BlockFile {
        var template = Array("\(directory)/xemu-snapshot-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw .overlayFailed(directory: directory, errno: errno) }
        unlink(template)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard ftruncate(fd, off_t(size)) == 0 else {
            let error = errno
            close(fd)
            throw .overlayFailed(directory: directory, errno: error)
        }
        return try BlockFile(fd: fd, path: "\(directory)/(snapshot overlay)")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BlockError) {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + UInt64(done)))
            if n > 0 {
                done += n
            } else if n == 0 {
                throw .shortFile(path: path, offset: offset + UInt64(done))
            } else if errno != EINTR {
                throw .ioFailed(path: path, operation: "read", errno: errno)
            }
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BlockError) {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + UInt64(done)))
            if n > 0 {
                done += n
            } else if n < 0, errno != EINTR {
                throw .ioFailed(path: path, operation: "write", errno: errno)
            } else if n == 0 {
                throw .ioFailed(path: path, operation: "write", errno: EIO)
            }
        }
    }

    /// The most buffers one preadv/pwritev takes (Linux's UIO_MAXIOV, POSIX IOV_MAX).
    static let vectorMax = 1024

    /// Fills `buffers` from `offset` with one preadv (a plain pread for a single buffer, which
    /// spares the kernel copying in and walking an iovec array); a short or failed transfer is
    /// finished buffer by buffer (which retries, and reports the real error).
    func read(vector buffers: UnsafeBufferPointer<iovec>, total: Int, at offset: UInt64) throws(BlockError) {
        if buffers.count == 1 {
            try read(into: UnsafeMutableRawBufferPointer(start: buffers[0].iov_base, count: buffers[0].iov_len), at: offset)
            return
        }
        let n = buffers.count <= Self.vectorMax ? preadv(fd, buffers.baseAddress, Int32(buffers.count), off_t(offset)) : 0
        if n == total { return }
        var skip = max(n, 0)
        var position = offset
        for v in buffers {
            defer { position += UInt64(v.iov_len) }
            if skip >= v.iov_len { skip -= v.iov_len; continue }
            try read(into: UnsafeMutableRawBufferPointer(start: v.iov_base! + skip, count: v.iov_len - skip),
                     at: position + UInt64(skip))
            skip = 0
        }
    }

    /// Stores `buffers` from `offset` with one pwritev (pwrite for a single buffer), finishing a
    /// short transfer piecewise.
    func write(vector buffers: UnsafeBufferPointer<iovec>, total: Int, at offset: UInt64) throws(BlockError) {
        if buffers.count == 1 {
            try write(UnsafeRawBufferPointer(start: buffers[0].iov_base, count: buffers[0].iov_len), at: offset)
            return
        }
        let n = buffers.count <= Self.vectorMax ? pwritev(fd, buffers.baseAddress, Int32(buffers.count), off_t(offset)) : 0
        if n == total { return }
        var skip = max(n, 0)
        var position = offset
        for v in buffers {
            defer { position += UInt64(v.iov_len) }
            if skip >= v.iov_len { skip -= v.iov_len; continue }
            try write(UnsafeRawBufferPointer(start: v.iov_base! + skip, count: v.iov_len - skip), at: position + UInt64(skip))
            skip = 0
        }
    }

    /// Makes the range read as zeros: a hole punched in the file where the file system allows
    /// it, written zeros where it does not.
    func zero(at offset: UInt64, length: UInt64) throws(BlockError) {
        guard length > 0 else { return }
        if xemu_punch_hole(fd, Int(offset), Int(length)) == 0 { return }
        let error = errno
        guard error == EOPNOTSUPP || error == ENOSYS || error == EINVAL || error == ENODEV else {
            throw .ioFailed(path: path, operation: "discard", errno: error)
        }
        try writeZeroes(at: offset, length: length)
    }

    /// Writes zeros over the range, for file systems and devices that cannot punch holes.
    func writeZeroes(at offset: UInt64, length: UInt64) throws(BlockError) {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 4096)
        defer { chunk.deallocate() }
        chunk.initializeMemory(as: UInt8.self, repeating: 0)
        var position = offset
        let end = offset + length
        while position < end {
            let count = Int(min(UInt64(chunk.count), end - position))
            try write(UnsafeRawBufferPointer(rebasing: chunk[..<count]), at: position)
            position += UInt64(count)
        }
    }

    func sync() throws(BlockError) {
        while fsync(fd) != 0 {
            guard errno == EINTR else { throw .ioFailed(path: path, operation: "flush", errno: errno) }
        }
    }
}
