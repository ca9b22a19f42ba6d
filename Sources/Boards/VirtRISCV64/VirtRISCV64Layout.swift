/// Addresses and interrupt numbers of QEMU's riscv64 `virt` board (hw/riscv/virt.c), which
/// Debian's OpenSBI, U-Boot and Linux expect; ../shared/REFERENCES.md lists them.
enum VirtRISCV64Layout {
    static let resetROM: UInt64 = 0x1000
    static let resetROMSize: UInt64 = 0xF000
    static let test: UInt64 = 0x10_0000
    static let clint: UInt64 = 0x200_0000
    static let plic: UInt64 = 0xC00_0000
    static let plicSize: UInt64 = 0x60_0000
    static let uart: UInt64 = 0x1000_0000
    static let uartSize: UInt64 = 0x100
    static let dram: UInt64 = 0x8000_0000
    static let virtioMMIO: UInt64 = 0x1000_1000
    static let virtioMMIOStride: UInt64 = 0x1000
    static let virtioMMIOSlots = 8
    /// Slot n interrupts on PLIC source 1 + n.
    static let virtioMMIOFirstIRQ = 1
    static let pcieIO: UInt64 = 0x0300_0000
    static let pcieIOSize: UInt64 = 0x1_0000
    static let pcieECAM: UInt64 = 0x3000_0000
    static let pcieBuses = 256
    static let pcieMMIO: UInt64 = 0x4000_0000
    static let pcieMMIOSize: UInt64 = 0x4000_0000
    /// INTA-INTD on PLIC sources 32-35.
    static let pcieFirstIRQ = 32

    static let uartIRQ = 10
    /// PLIC interrupt sources (QEMU's VIRT_IRQCHIP_NUM_SOURCES).
    static let plicSources = 95
    /// The UART's input clock as QEMU describes it; Linux derives nothing from it for a 16550
    /// that has no real baud rate, but the binding requires it.
    static let uartClock: UInt32 = 3_686_400
    /// mtime ticks per second (the CLINT timebase).
    static let timebase: UInt32 = 10_000_000
    /// Bytes of `/chosen/rng-seed`: 256 bits, what Linux needs to consider its RNG seeded.
    static let rngSeedSize = 32

    /// The kernel goes at the first 2 MiB boundary after the firmware, as QEMU places it.
    static let kernelAlignment: UInt64 = 2 << 20
    /// The device tree goes 2 MiB-aligned below the end of RAM (capped at 3 GiB past its base).
    static let deviceTreeAlignment: UInt64 = 2 << 20
}
