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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LoaderError(path: path, problem: .cannotOpen(errno: errno)) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw LoaderError(path: path, problem: .readFailed(errno: errno)) }
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw LoaderError(path: path, problem: .cannotOpen(errno: EISDIR)) }
        let size = UInt64(status.st_size)
        guard size <= limit else { throw LoaderError(path: path, problem: .tooLarge(size: size, limit: limit)) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        let failure: Int32? = bytes.withUnsafeMutableBytes { buffer in
            while done < buffer.count {
                let n = read(fd, buffer.baseAddress! + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if n == 0 { break }    // the file shrank while being read
                done += n
            }
            return nil
        }
        if let failure { throw LoaderError(path: path, problem: .readFailed(errno: failure)) }
        return Array(bytes[..<done])
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
