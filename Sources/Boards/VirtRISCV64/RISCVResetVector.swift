import Machine

/// The code at the reset vector (0x1000) of the virt board: it passes a0 = mhartid, a1 = the
/// device tree and a2 = `fw_dynamic_info`, then jumps to the firmware or program, exactly as
/// QEMU's reset ROM does, so firmware built for QEMU finds what it expects.
///
/// Layout: six instructions, then two doublewords (start address, DTB address), then the
/// fw_dynamic_info structure OpenSBI's `fw_dynamic` reads (OpenSBI docs/firmware/fw_dynamic.md).
enum RISCVResetVector {
    /// "OSBI" in the magic field of fw_dynamic_info.
    static let dynamicInfoMagic: UInt64 = 0x4942_534F
    static let dynamicInfoVersion: UInt64 = 2
    /// The privilege mode the firmware enters the next stage in.
    static let supervisorMode: UInt64 = 1

    static let instructions: [UInt32] = [
        0x0000_0297, // auipc t0, 0
        0x0282_8613, // addi  a2, t0, 40   (fw_dynamic_info)
        0xF140_2573, // csrr  a0, mhartid
        0x0202_B583, // ld    a1, 32(t0)   (device tree)
        0x0182_B283, // ld    t0, 24(t0)   (start address)
        0x0002_8067, // jr    t0
    ]

    /// The ROM's bytes for a given start address, device tree address and next stage (the
    /// kernel address the firmware should jump to, in S-mode).
    static func image(start: UInt64, deviceTree: UInt64, nextStage: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        instructions.forEach(append)
        append(start)
        append(deviceTree)
        // fw_dynamic_info: magic, version, next_addr, next_mode, options, boot_hart.
        [dynamicInfoMagic, dynamicInfoVersion, nextStage, supervisorMode, 0, 0].forEach(append)
        return bytes
    }
}
