import Machine

/// Loads a riscv64 kernel or program the way QEMU's `-kernel` does: an ELF at its own
/// addresses (entry from its header), a Linux `Image` at the given base, anything else as raw
/// bytes at the base; another architecture's kernel is refused by name.
enum KernelFile {
    static func load(_ path: String, at base: UInt64, into memory: GuestMemory) throws(LoaderError) -> LoadedImage {
        switch try ImageFormat.detect(path) {
        case .elf:
            return try ELFLoader.load(path, machine: .riscv64, into: memory)
        case .riscvImage:
            // The Image header's text_offset (2 MiB on rv64) counts from the start of RAM.
            return try RISCVImageLoader.load(path, ramBase: base - min(base, 0x20_0000), into: memory)
        case .arm64Image:
            throw LoaderError(path: path, problem: .wrongArchitecture(found: "aarch64 (an arm64 Linux Image)", expected: "riscv64"))
        case .bzImage:
            throw LoaderError(path: path, problem: .wrongArchitecture(found: "x86 (a bzImage)", expected: "riscv64"))
        case .raw, .gzip:
            return try RawImageLoader.load(path, at: base, into: memory)
        }
    }
}
