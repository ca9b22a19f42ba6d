/// Loads a riscv64 Linux `Image` (Documentation/arch/riscv/boot-image-header.rst), as Debian
/// ships it in `boot/vmlinux-*`.
///
/// The 64-byte header gives `text_offset` (the load offset from the start of RAM, 2 MiB for
/// rv64, leaving room for OpenSBI below it) and `image_size` (the memory the kernel occupies,
/// BSS included); "RSC\x05" at byte 56 identifies it. The image goes at `ramBase + text_offset`
/// and the memory past the file's end up to `image_size` is zeroed.
public enum RISCVImageLoader {
    static let magic: UInt32 = 0x0543_5352

    public static func load(_ path: String, ramBase: UInt64, into memory: GuestMemory) throws(LoaderError) -> LoadedImage {
        let file = try OpenImageFile(path: path, limit: memory.totalSize)
        // The header, and enough for `ImageIdentity` to name another architecture's kernel.
        let bytes = try file.prefix(4096)
        guard bytes.count >= 64 else {
            throw LoaderError(path: path, problem: .truncated("\(bytes.count) bytes is shorter than the 64-byte riscv Image header"))
        }
        func field<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T {
            bytes[offset..<offset + MemoryLayout<T>.size].reversed().reduce(0) { $0 << 8 | T($1) }
        }
        guard field(UInt32.self, 56) == magic else {
            if let found = ImageIdentity.architecture(of: bytes) {
                throw LoaderError(path: path, problem: .wrongArchitecture(found: found, expected: "riscv64 (a RISC-V Linux Image)"))
            }
            throw LoaderError(path: path, problem: .notRecognised("no riscv Image magic \"RSC\\x05\" at byte 56"))
        }
        let textOffset = field(UInt64.self, 8), imageSize = field(UInt64.self, 16)
        guard textOffset % 4096 == 0, textOffset < 1 << 30 else {
            throw LoaderError(path: path, problem: .corrupt("text_offset 0x\(String(textOffset, radix: 16)) is not a small page-aligned offset"))
        }
        let (address, overflow) = ramBase.addingReportingOverflow(textOffset)
        let length = max(imageSize, file.size)
        guard !overflow else { throw LoaderError(path: path, problem: .outsideRAM(address: ramBase, length: length)) }
        _ = try file.place(at: address, length: length, into: memory)
        return LoadedImage(entry: address, start: address, end: address + length)
    }
}
