#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a kernel, firmware or other guest image could not be loaded: the file's path and the
/// problem, so the user sees which of `--kernel`, `--bios` or `--initrd` is wrong and why.
public struct LoaderError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public enum Problem: Equatable, Sendable, CustomStringConvertible {
        /// The file cannot be opened (missing, unreadable, a directory).
        case cannotOpen(errno: Int32)
        /// Reading the file failed part-way.
        case readFailed(errno: Int32)
        /// The file is larger than anything that could fit in guest RAM.
        case tooLarge(size: UInt64, limit: UInt64)
        /// The file ends inside a structure it must contain.
        case truncated(String)
        /// The file is not in the format this loader reads.
        case notRecognised(String)
        /// The file is for another CPU architecture.
        case wrongArchitecture(found: String, expected: String)
        /// The file is in the right format but uses a variant xemu does not load.
        case unsupported(String)
        /// The file's own fields contradict each other.
        case corrupt(String)
        /// A part of the image would land outside guest RAM.
        case outsideRAM(address: UInt64, length: UInt64)
        /// The compressed image expands past the limit (a damaged file or a gzip bomb).
        case decompressedTooLarge(limit: UInt64)
        /// A device tree blob (`--dtb`) that does not parse.
        case deviceTree(DeviceTreeError)

        public var description: String {
            switch self {
            case let .cannotOpen(errno): "cannot open: \(Self.text(errno))"
            case let .readFailed(errno): "read failed: \(Self.text(errno))"
            case let .tooLarge(size, limit): "is \(size) bytes, more than the \(limit) bytes that could fit in guest RAM"
            case let .truncated(what): "is truncated: \(what)"
            case let .notRecognised(why): "is not a loadable image: \(why)"
            case let .wrongArchitecture(found, expected): "is built for \(found), but this machine needs \(expected)"
            case let .unsupported(why): "is not supported: \(why)"
            case let .corrupt(why): "is corrupt: \(why)"
            case let .outsideRAM(address, length):
                "would be loaded at 0x\(String(address, radix: 16))-0x\(String(address &+ length, radix: 16)), outside guest RAM"
            case let .decompressedTooLarge(limit): "decompresses to more than \(limit >> 20) MiB"
            case let .deviceTree(error): "is not a usable device tree: \(error)"
            }
        }

        static func text(_ errno: Int32) -> String { String(cString: strerror(errno)) }
    }

    public var description: String { "\(path): \(problem)" }
}

/// Where an image went in guest memory.
public struct LoadedImage: Equatable, Sendable {
    /// Where the guest starts executing it (the ELF entry point, or the load address).
    public var entry: UInt64
    /// The guest-physical range it occupies, `[start, end)`, including zero-filled memory.
    public var start: UInt64
    public var end: UInt64

    public init(entry: UInt64, start: UInt64, end: UInt64) {
        self.entry = entry
        self.start = start
        self.end = end
    }
}
