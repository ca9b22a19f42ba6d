import DequeModule
import Synchronization

/// A serial line that keeps only the last `capacity` bytes of output and never has input.
///
/// `xemu run` hides the kernel console unless asked for it, yet a guest that panics or fails
/// before its command starts should still be explained: the console goes here, and the tail is
/// shown only when the run fails.
public final class TailCharBackend: CharBackend {
    public let capacity: Int
    private let buffer = Mutex(Deque<UInt8>())
    private let callback = Mutex<(@Sendable () -> Void)?>(nil)

    public init(capacity: Int = 16 * 1024) {
        precondition(capacity > 0, "a tail needs room for at least one byte")
        self.capacity = capacity
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        buffer.withLock { tail in
            let kept = bytes.count > capacity ? UnsafeRawBufferPointer(rebasing: bytes.suffix(capacity)) : bytes
            let overflow = tail.count + kept.count - capacity
            if overflow > 0 { tail.removeFirst(overflow) }
            tail.append(contentsOf: kept)
        }
    }

    /// The bytes kept so far, oldest first.
    public var contents: [UInt8] { buffer.withLock { Array($0) } }

    /// There is never input.
    public func readByte() -> UInt8? { nil }

    /// Kept to satisfy `CharBackend`; never called, since no input ever arrives.
    public var inputAvailable: (@Sendable () -> Void)? {
        get { callback.withLock { $0 } }
        set { callback.withLock { $0 = newValue } }
    }
}
