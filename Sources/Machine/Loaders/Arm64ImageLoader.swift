/// Loads an arm64 Linux `Image` (Documentation/arch/arm64/booting.rst), plain or
/// gzip-compressed as Debian ships `vmlinuz`.
///
/// The 64-byte header gives `text_offset`, `image_size` and flags; the magic "ARM\x64"
/// (0x644d5241) sits at byte 56. The image goes at a 2 MiB-aligned base plus `text_offset`,
/// and `image_size` bytes from there (its BSS included) must be RAM; they are zeroed past the
/// file's end.
public enum Arm64ImageLoader {
    static let magic: UInt32 = 0x644D_5241
    static let headerSize = 64
    static let baseAlignment: UInt64 = 2 << 20

    /// Loads the image at `path` at the first 2 MiB boundary at or above `ramBase`.
    public static func load(_ path: String, ramBase: UInt64, into memory: GuestMemory) throws(LoaderError) -> LoadedImage {
        var bytes = try ImageFile.contents(of: path, limit: memory.totalSize)
        if Gzip.isCompressed(bytes) {
            bytes = try Gzip.decompress(bytes, limit: memory.totalSize, path: path)
        }
        let header = try Arm64ImageHeader(bytes, path: path)
        let (rounded, overflow) = ramBase.addingReportingOverflow(baseAlignment - 1)
        let (address, wraps) = (rounded & ~(baseAlignment - 1)).addingReportingOverflow(header.textOffset)
        guard !overflow, !wraps else {
            throw LoaderError(path: path, problem: .outsideRAM(address: ramBase, length: header.imageSize))
        }
        let length = max(header.imageSize, UInt64(bytes.count))
        try ImageFile.place(bytes[...], at: address, length: length, into: memory, path: path)
        return LoadedImage(entry: address, start: address, end: address + length)
    }
}

/// The fields of an arm64 `Image` header that decide where and whether it loads.
struct Arm64ImageHeader: Equatable {
    var textOffset: UInt64
    var imageSize: UInt64
    var flags: UInt64

    init(_ bytes: [UInt8], path: String) throws(LoaderError) {
        guard bytes.count >= Arm64ImageLoader.headerSize else {
            throw LoaderError(path: path, problem: .truncated("\(bytes.count) bytes is shorter than the 64-byte arm64 Image header"))
        }
        func field<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T {
            bytes[offset..<offset + MemoryLayout<T>.size].reversed().reduce(0) { $0 << 8 | T($1) }
        }
        let magic = field(UInt32.self, 56)
        if magic != Arm64ImageLoader.magic, let found = ImageIdentity.architecture(of: bytes) {
            throw LoaderError(path: path, problem: .wrongArchitecture(found: found, expected: "aarch64 (an arm64 Linux Image)"))
        }
        guard magic == Arm64ImageLoader.magic else {
            throw LoaderError(path: path, problem: .notRecognised(
                "no arm64 Image magic at byte 56 (found 0x\(String(magic, radix: 16)), expected 0x644d5241)"))
        }
        textOffset = field(UInt64.self, 8)
        imageSize = field(UInt64.self, 16)
        flags = field(UInt64.self, 24)
        if imageSize == 0 {
            // Kernels before 3.17 leave image_size zero; booting.rst says to assume a
            // text_offset of 0x80000 then.
            textOffset = 0x8_0000
        }
        guard flags & 1 == 0 else {
            throw LoaderError(path: path, problem: .unsupported("a big-endian kernel (header flags bit 0); xemu runs little-endian guests"))
        }
        guard textOffset < Arm64ImageLoader.baseAlignment else {
            throw LoaderError(path: path, problem: .corrupt("text_offset 0x\(String(textOffset, radix: 16)) is not below 2 MiB"))
        }
    }
}
