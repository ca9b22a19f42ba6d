#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The format of a kernel or firmware file, from its first bytes, so that a board can pick the
/// loader the way QEMU's `-kernel` does (ELF first, then a Linux Image, else raw bytes).
public enum ImageFormat: Equatable, Sendable {
    case elf
    case riscvImage
    case arm64Image
    case bzImage
    case gzip
    /// Nothing recognisable: loaded as raw bytes where a board allows that.
    case raw

    /// Reads the head of `path` and names its format; a missing or unreadable file is an error.
    public static func detect(_ path: String) throws(LoaderError) -> ImageFormat {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LoaderError(path: path, problem: .cannotOpen(errno: errno)) }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 0x210)
        let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { throw LoaderError(path: path, problem: .readFailed(errno: errno)) }
        return format(of: Array(head[..<n]))
    }

    static func format(of bytes: [UInt8]) -> ImageFormat {
        func u32(_ offset: Int) -> UInt32 {
            guard bytes.count >= offset + 4 else { return 0 }
            return (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
        }
        if bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        if u32(56) == RISCVImageLoader.magic { return .riscvImage }
        if u32(56) == Arm64ImageLoader.magic { return .arm64Image }
        if u32(0x202) == 0x5372_6448 { return .bzImage }
        if bytes.starts(with: [0x1F, 0x8B]) { return .gzip }
        return .raw
    }
}
