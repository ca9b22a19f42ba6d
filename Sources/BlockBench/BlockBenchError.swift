#if canImport(Glibc)
import Glibc
#endif
import Machine

/// Why `xemu bench blk` could not run.
public enum BlockBenchError: Error, CustomStringConvertible {
    /// The benchmark file cannot be created, opened or filled.
    case cannotOpen(path: String, errno: Int32)
    /// A read or write on the benchmark file failed.
    case ioFailed(path: String, errno: Int32)
    /// The block device answered a request with an error status.
    case deviceError(status: UInt8, workload: String)
    /// The device or its queue could not be set up (guest memory, queue activation, backend).
    case setup(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, errno): "\(path): cannot open the benchmark file: \(String(cString: strerror(errno)))"
        case let .ioFailed(path, errno): "\(path): I/O failed: \(String(cString: strerror(errno)))"
        case let .deviceError(status, workload): "the block device answered status \(status) during \(workload)"
        case let .setup(why): "cannot set up the benchmark device: \(why)"
        }
    }
}
