#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole image files for the loaders.
enum ImageFile {
    /// The contents of `path`, refused if larger than `limit` bytes (no image larger than guest
    /// RAM can be loaded, so a huge file is an error before it is an allocation).
    static func contents(of path: String, limit: UInt64) throws(LoaderError) -> [UInt8] {
        let file = try OpenImageFile(path: path, limit: limit)
        return try file.prefix(Int(file.size))
    }

    /// Copies `bytes` to guest memory at `address`, then zero-fills up to `length` bytes in all.
    static func place(_ bytes: ArraySlice<UInt8>, at address: UInt64, length: UInt64,
                      into memory: GuestMemory, path: String) throws(LoaderError) {
        precondition(UInt64(bytes.count) <= length)
        guard let host = memory.hostPointer(address, length: length) else {
            throw LoaderError(path: path, problem: .outsideRAM(address: address, length: length))
        }
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { host.copyMemory(from: base, byteCount: source.count) }
        }
        (host + bytes.count).initializeMemory(as: UInt8.self, repeating: 0, count: Int(length) - bytes.count)
    }
}

/// An image file opened for loading, its size already checked against a limit.
///
/// The large images (a kernel `Image` of tens of MiB, an initrd) are read straight into guest
/// RAM with `place(at:length:into:)`: `xemu run` loads them on every run, and going through a
/// buffer first costs a second copy and the page faults of a second mapping of that size.
struct OpenImageFile: ~Copyable {
    let path: String
    /// The file's size when it was opened.
    let size: UInt64
    private let fd: Int32

    /// Opens `path`, refusing anything but a regular file of at most `limit` bytes.
    init(path: String, limit: UInt64) throws(LoaderError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LoaderError(path: path, problem: .cannotOpen(errno: errno)) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let error = errno
            close(fd)
            throw LoaderError(path: path, problem: .readFailed(errno: error))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw LoaderError(path: path, problem: .cannotOpen(errno: EISDIR))
        }
        let size = UInt64(status.st_size)
        guard size <= limit else {
            close(fd)
            throw LoaderError(path: path, problem: .tooLarge(size: size, limit: limit))
        }
        self.path = path
        self.size = size
        self.fd = fd
    }

    deinit { close(fd) }

    /// The first `count` bytes of the file (fewer if it is shorter): a header to check before
    /// the file is placed.
    func prefix(_ count: Int) throws(LoaderError) -> [UInt8] {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: min(count, Int(size))) { buffer, initialized in
            (initialized, failure) = read(into: UnsafeMutableRawBufferPointer(buffer))
        }
        guard failure == 0 else { throw LoaderError(path: path, problem: .readFailed(errno: failure)) }
        return bytes
    }

    /// Reads the file from its start into guest memory at `address` and zero-fills the rest of
    /// `length` bytes; returns how many bytes the file gave (fewer than `size` if it shrank).
    func place(at address: UInt64, length: UInt64, into memory: GuestMemory) throws(LoaderError) -> UInt64 {
        precondition(size <= length)
        guard let host = memory.hostPointer(address, length: length) else {
            throw LoaderError(path: path, problem: .outsideRAM(address: address, length: length))
        }
        let (count, failure) = read(into: UnsafeMutableRawBufferPointer(start: host, count: Int(size)))
        guard failure == 0 else { throw LoaderError(path: path, problem: .readFailed(errno: failure)) }
        (host + count).initializeMemory(as: UInt8.self, repeating: 0, count: Int(length) - count)
        return UInt64(count)
    }

    /// Fills `buffer` from the start of the file, stopping early at its end: the count read,
    /// and the errno of a failed read (0 if none).
    private func read(into buffer: UnsafeMutableRawBufferPointer) -> (count: Int, errno: Int32) {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                return (done, errno)
            }
            if n == 0 { break }    // the file shrank while being read
            done += n
        }
        return (done, 0)
    }
}
