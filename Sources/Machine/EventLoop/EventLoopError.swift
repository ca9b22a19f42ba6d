#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the machine's event loop could not start.
public enum EventLoopError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The host cannot make the pipe other threads wake the loop through.
    case cannotCreateWakePipe(errno: Int32)

    public var description: String {
        switch self {
        case let .cannotCreateWakePipe(errno):
            "cannot create the event loop's wake-up pipe: \(String(cString: strerror(errno)))"
        }
    }
}
