/// Recognises the kernel and firmware formats xemu meets, so that a loader given the wrong
/// kind of file can say what the file is ("an x86_64 ELF executable") instead of only that it
/// is not what was expected.
enum ImageIdentity {
    /// The architecture a file is evidently built for, if its header says so.
    static func architecture(of bytes: [UInt8]) -> String? {
        func u16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
        func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
        if bytes.count >= 20, bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) {
            return "\(ELFMachine.name(of: u16(18))) (an ELF executable)"
        }
        if bytes.count >= 64, u32(56) == 0x0543_5352 {
            return "riscv64 (a RISC-V Linux Image)"
        }
        if bytes.count >= 64, u32(56) == Arm64ImageLoader.magic {
            return "aarch64 (an arm64 Linux Image)"
        }
        if bytes.count >= 0x206, u32(0x202) == 0x5372_6448 {
            return "x86 (a bzImage)"
        }
        return nil
    }
}
