import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A serial line whose output is appended to a host file and which never has input
/// (`--serial file:PATH`): for logs and for tests that check what the guest printed.
public final class FileCharBackend: CharBackend {
    private let fd: Int32
    public let path: String
    private let callback = Mutex<(@Sendable () -> Void)?>(nil)

    /// Opens `path` for appending, creating it if needed.
    public init(path: String) throws(CharBackendError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        FileDescriptorOutput.writeAll(fd, bytes)
    }

    /// There is never input.
    public func readByte() -> UInt8? { nil }

    /// Kept to satisfy `CharBackend`; never called, since no input ever arrives.
    public var inputAvailable: (@Sendable () -> Void)? {
        get { callback.withLock { $0 } }
        set { callback.withLock { $0 = newValue } }
    }
}
