import Machine

/// Where the firmware, kernel and initrd of one virt-riscv64 run were loaded, and how the
/// reset ROM enters them. Placement follows QEMU (hw/riscv/boot.c) so that firmware finds the
/// kernel where it looks: the firmware at the start of RAM, the kernel at the next 2 MiB
/// boundary after it, the initrd half-way into RAM (at most 128 MiB past the kernel), the
/// device tree at the top.
struct VirtRISCV64Boot {
    /// Where the reset ROM jumps.
    var start: UInt64
    /// The kernel address handed to fw_dynamic (`next_addr`).
    var nextStage: UInt64
    var initrd: (start: UInt64, end: UInt64)?
    /// The highest address used by anything loaded, so the device tree does not cover it.
    var end: UInt64

    /// `initrdAppendix` goes right after the initrd, 4-byte aligned, as part of it.
    static func load(_ configuration: MachineConfiguration, initrdAppendix: [UInt8] = [],
                     into memory: GuestMemory) throws(BoardError) -> VirtRISCV64Boot {
        typealias L = VirtRISCV64Layout
        var firmwareEnd = L.dram
        var firmwareStart: UInt64?
        switch configuration.firmware {
        case .none:
            break
        case .boardDefault:
            let path = DefaultImages.path("riscv64/fw_dynamic.bin")
            guard let path else { throw .missingDefaultImage(path: "Images/out/riscv64/fw_dynamic.bin") }
            let firmware = try loading { () throws(LoaderError) in try RawImageLoader.load(path, at: L.dram, into: memory) }
            firmwareStart = firmware.entry
            firmwareEnd = firmware.end
        case let .file(path):
            let firmware = try loading { () throws(LoaderError) in try KernelFile.load(path, at: L.dram, into: memory) }
            firmwareStart = firmware.entry
            firmwareEnd = firmware.end
        }
        let kernelBase = alignUp(firmwareEnd, L.kernelAlignment)
        var kernel: LoadedImage?
        if let path = configuration.kernel {
            kernel = try loading { () throws(LoaderError) in try KernelFile.load(path, at: kernelBase, into: memory) }
        }
        guard let start = firmwareStart ?? kernel?.entry else {
            throw .load("--bios none needs --kernel: there is nothing to run")
        }
        var boot = VirtRISCV64Boot(start: start, nextStage: kernel?.entry ?? kernelBase,
                                   initrd: nil, end: max(firmwareEnd, kernel?.end ?? 0))
        if let path = configuration.initrd {
            let base = kernel?.entry ?? kernelBase
            let address = base + min(configuration.memorySize / 2, 128 << 20)
            let image = try loading { () throws(LoaderError) in try RawImageLoader.load(path, at: address, into: memory) }
            var end = image.end
            if !initrdAppendix.isEmpty {
                // Linux looks for the next archive only at 4-byte offsets and skips zeros.
                let start = alignUp(end, 4)
                do {
                    try memory.write([UInt8](repeating: 0, count: Int(start - end)), at: end)
                    try memory.write(initrdAppendix, at: start)
                } catch {
                    throw .layout("the initrd and the command archive do not fit in RAM: give the guest more --memory")
                }
                end = start + UInt64(initrdAppendix.count)
            }
            boot.initrd = (image.start, end)
            boot.end = max(boot.end, end)
        }
        return boot
    }

    /// Copies the device tree 2 MiB-aligned below the end of RAM (capped 3 GiB into RAM, where
    /// 32-bit firmware can still reach it) and returns its address.
    func placeDeviceTree(_ blob: [UInt8], memory: GuestMemory, memorySize: UInt64) throws(BoardError) -> UInt64 {
        typealias L = VirtRISCV64Layout
        let top = L.dram + min(memorySize, 3 << 30)
        let size = UInt64(blob.count)
        guard size <= top - L.dram else { throw .layout("the device tree (\(size) bytes) does not fit in RAM") }
        let address = (top - size) & ~(L.deviceTreeAlignment - 1)
        guard address >= end else {
            throw .layout("the device tree does not fit between the loaded images (ending at 0x\(String(end, radix: 16))) and the end of RAM: give the guest more --memory")
        }
        do { try memory.write(blob, at: address) } catch { throw .layout(error.description) }
        return address
    }

    private static func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64 {
        (value + alignment - 1) & ~(alignment - 1)
    }

    private static func loading(_ body: () throws(LoaderError) -> LoadedImage) throws(BoardError) -> LoadedImage {
        do { return try body() } catch { throw .load(error.description) }
    }
}
