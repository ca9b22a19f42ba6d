#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writing console output to a host descriptor without losing any of it.
enum FileDescriptorOutput {
    /// Writes every byte of `bytes` to `fd`, retrying short writes and EINTR and waiting for
    /// the descriptor to drain on EAGAIN (a non-blocking terminal or pipe). Returns the errno
    /// of a hard failure (the reader went away, the disk is full), after which nothing more
    /// can be written.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        guard var next = bytes.baseAddress else { return nil }
        var remaining = bytes.count
        while remaining > 0 {
            let n = write(fd, next, remaining)
            if n > 0 {
                next += n
                remaining -= n
                continue
            }
            let error = n == 0 ? EIO : errno
            switch error {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                var waiter = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waiter, 1, -1)
            default:
                return error
            }
        }
        return nil
    }
}
