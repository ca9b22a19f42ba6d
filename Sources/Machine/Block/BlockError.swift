#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a disk image could not be opened or a disk request failed. Host I/O failures reach the
/// guest as an I/O error status; the messages are for the user and the log.
public enum BlockError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The image file cannot be opened (missing, unreadable, or not writable for a read-write disk).
    case cannotOpen(path: String, errno: Int32)
    /// A host read, write, flush or discard on the image failed.
    case ioFailed(path: String, operation: String, errno: Int32)
    /// The image file ended before the requested range (it shrank while in use).
    case shortFile(path: String, offset: UInt64)
    /// A write or discard was asked of a read-only disk.
    case readOnly(path: String)
    /// A request reaches past the end of the disk.
    case outOfRange(offset: UInt64, length: UInt64, capacity: UInt64)
    /// The temporary overlay file for `snapshot=on` cannot be created.
    case overlayFailed(directory: String, errno: Int32)

    public var description: String {
        switch self {
        case let .cannotOpen(path, errno):
            "\(path): cannot open disk image: \(String(cString: strerror(errno)))"
        case let .ioFailed(path, operation, errno):
            "\(path): \(operation) failed: \(String(cString: strerror(errno)))"
        case let .shortFile(path, offset):
            "\(path): the image ends before offset \(offset); was it truncated while in use?"
        case let .readOnly(path):
            "\(path): the disk is read-only"
        case let .outOfRange(offset, length, capacity):
            "a disk request of \(length) bytes at offset \(offset) reaches past the disk's end (\(capacity) bytes)"
        case let .overlayFailed(directory, errno):
            "cannot create the snapshot overlay file in \(directory): \(String(cString: strerror(errno)))"
        }
    }
}
