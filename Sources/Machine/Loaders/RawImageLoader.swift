/// Loads a file byte for byte at a fixed guest-physical address: firmware such as OpenSBI's
/// `fw_jump.bin`, a riscv `Image`, an initrd.
public enum RawImageLoader {
    /// Copies the file at `path` to `address`; the entry point is `address`.
    public static func load(_ path: String, at address: UInt64, into memory: GuestMemory) throws(LoaderError) -> LoadedImage {
        let bytes = try ImageFile.contents(of: path, limit: memory.totalSize)
        guard !bytes.isEmpty else { throw LoaderError(path: path, problem: .truncated("the file is empty")) }
        try ImageFile.place(bytes[...], at: address, length: UInt64(bytes.count), into: memory, path: path)
        return LoadedImage(entry: address, start: address, end: address + UInt64(bytes.count))
    }
}
