/// Loads a file byte for byte at a fixed guest-physical address: firmware such as OpenSBI's
/// `fw_jump.bin`, a riscv `Image`, an initrd.
public enum RawImageLoader {
    /// Copies the file at `path` to `address`; the entry point is `address`.
    public static func load(_ path: String, at address: UInt64, into memory: GuestMemory) throws(LoaderError) -> LoadedImage {
        let file = try OpenImageFile(path: path, limit: memory.totalSize)
        guard file.size > 0 else { throw LoaderError(path: path, problem: .truncated("the file is empty")) }
        let count = try file.place(at: address, length: file.size, into: memory)
        return LoadedImage(entry: address, start: address, end: address + count)
    }
}
