import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A serial line whose output goes to a host descriptor the caller already has open (xemu's
/// own stdout or stderr) and which never has input.
///
/// `xemu run` puts the guest command's stdout and stderr on two of these, so the bytes reach
/// xemu's fd 1 and fd 2 as the guest writes them. Writes block until every byte is taken
/// (backpressure, nothing dropped); the descriptor is not closed, since the backend does not
/// own it.
public final class DescriptorCharBackend: CharBackend {
    public let fd: Int32
    private let outputLock = Mutex(())
    private let callback = Mutex<(@Sendable () -> Void)?>(nil)
    /// The errno of the first failed write (the reader went away), after which output is
    /// discarded rather than retried.
    private let failure = Mutex<Int32?>(nil)

    public init(fd: Int32) { self.fd = fd }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        outputLock.withLock { _ in
            guard failure.withLock({ $0 }) == nil else { return }
            if let error = FileDescriptorOutput.writeAll(fd, bytes) { failure.withLock { $0 = error } }
        }
    }

    /// There is never input.
    public func readByte() -> UInt8? { nil }

    /// Kept to satisfy `CharBackend`; never called, since no input ever arrives.
    public var inputAvailable: (@Sendable () -> Void)? {
        get { callback.withLock { $0 } }
        set { callback.withLock { $0 = newValue } }
    }
}
