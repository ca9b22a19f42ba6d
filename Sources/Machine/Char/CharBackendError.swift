#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a serial backend could not be set up (`--serial file:PATH`).
public enum CharBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The output file cannot be opened or created.
    case cannotOpen(path: String, errno: Int32)
    /// The host cannot make the pipe the console reader waits on.
    case cannotCreatePipe(errno: Int32)

    public var description: String {
        switch self {
        case let .cannotOpen(path, errno):
            "\(path): cannot open serial output file: \(String(cString: strerror(errno)))"
        case let .cannotCreatePipe(errno):
            "cannot create the console's wake-up pipe: \(String(cString: strerror(errno)))"
        }
    }
}
