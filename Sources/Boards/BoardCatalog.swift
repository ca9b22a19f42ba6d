import Machine

/// The boards xemu knows, in the order `--list-boards` shows them.
///
/// A board whose type is not written yet is still listed with its memory map and `.planned`
/// status, so that users see what is coming and get a clear answer instead of "unknown board".
public enum BoardCatalog {
    public static let descriptors: [BoardDescriptor] = [virtRISCV64, virtArm64, pcX86_64]

    public static func descriptor(named name: String) -> BoardDescriptor? {
        descriptors.first { $0.name == name }
    }

    /// The type that runs guests on the named board, or nil while the board is only planned.
    public static func boardType(named name: String) -> (any Board.Type)? {
        switch name {
        case virtRISCV64.name: VirtRISCV64.self
        default: nil
        }
    }

    /// The type that `xemu run` boots on the named board, or nil when the board cannot run
    /// commands yet.
    public static func runnableBoardType(named name: String) -> (any RunnableBoard.Type)? {
        switch name {
        case virtRISCV64.name: VirtRISCV64.self
        default: nil
        }
    }

    /// QEMU's `virt` riscv64 map (hw/riscv/virt.c).
    static let virtRISCV64 = BoardDescriptor(
        name: "virt-riscv64", architecture: "riscv64",
        summary: "QEMU-compatible RISC-V virt board: CLINT, PLIC, NS16550A, virtio-mmio, PCIe ECAM",
        memoryMap: [
            MemoryMapEntry("mrom", base: 0x1000, size: 0xF000),
            MemoryMapEntry("test", base: 0x10_0000, size: 0x1000),
            MemoryMapEntry("clint", base: 0x200_0000, size: 0x1_0000),
            MemoryMapEntry("plic", base: 0xC00_0000, size: 0x60_0000),
            MemoryMapEntry("uart0", base: 0x1000_0000, size: 0x100),
            MemoryMapEntry("virtio-mmio", base: 0x1000_1000, size: 0x8000),
            MemoryMapEntry("pcie-ecam", base: 0x3000_0000, size: 0x1000_0000),
            MemoryMapEntry("pcie-mmio", base: 0x4000_0000, size: 0x4000_0000),
            MemoryMapEntry("dram", base: 0x8000_0000, size: 0),
        ],
        status: .partial("boots OpenSBI, U-Boot and Linux on one hart; virtio over MMIO and PCI"))

    /// QEMU's `virt` arm64 map (hw/arm/virt.c).
    static let virtArm64 = BoardDescriptor(
        name: "virt-arm64", architecture: "aarch64",
        summary: "QEMU-compatible Arm virt board: GICv3, PL011, virtio-mmio, PCIe ECAM",
        memoryMap: [
            MemoryMapEntry("flash", base: 0x0, size: 0x800_0000),
            MemoryMapEntry("gic-dist", base: 0x800_0000, size: 0x1_0000),
            MemoryMapEntry("gic-redist", base: 0x80A_0000, size: 0xF6_0000),
            MemoryMapEntry("pl011", base: 0x900_0000, size: 0x1000),
            MemoryMapEntry("rtc", base: 0x901_0000, size: 0x1000),
            MemoryMapEntry("virtio-mmio", base: 0xA00_0000, size: 0x4000),
            MemoryMapEntry("pcie-mmio", base: 0x1000_0000, size: 0x2EFF_0000),
            MemoryMapEntry("pcie-pio", base: 0x3EFF_0000, size: 0x1_0000),
            MemoryMapEntry("pcie-ecam", base: 0x3F00_0000, size: 0x100_0000),
            MemoryMapEntry("dram", base: 0x4000_0000, size: 0),
        ],
        status: .planned)

    /// A PC without legacy firmware: Linux is entered through the 64-bit boot protocol.
    static let pcX86_64 = BoardDescriptor(
        name: "pc-x86_64", architecture: "x86_64",
        summary: "PC with LAPIC/IOAPIC, 16550 UART, virtio-pci; Linux 64-bit direct boot",
        memoryMap: [
            MemoryMapEntry("low-ram", base: 0x0, size: 0xA_0000),
            MemoryMapEntry("ram", base: 0x10_0000, size: 0),
            MemoryMapEntry("pcie-mmio", base: 0xC000_0000, size: 0x3EC0_0000),
            MemoryMapEntry("ioapic", base: 0xFEC0_0000, size: 0x1000),
            MemoryMapEntry("lapic", base: 0xFEE0_0000, size: 0x1000),
        ],
        status: .planned)
}
