import Machine
import PCI
import Virtio

/// The device tree the virt board hands its firmware or kernel: the same nodes, names and
/// compatible strings as QEMU's, so that unmodified OpenSBI, U-Boot and Linux find their devices.
struct VirtRISCV64DeviceTree {
    var memoryBase: UInt64
    var memorySize: UInt64
    var hartCount: Int
    var isa: String
    /// The largest paging mode the hart implements (`riscv,sv39` / `riscv,sv48`).
    var mmuType: String
    var commandLine: String?
    var initrd: (start: UInt64, end: UInt64)?
    /// Random bytes for `/chosen/rng-seed`, which Linux credits to its entropy pool at boot (as
    /// QEMU's virt board supplies): without them the kernel's RNG is not ready until it has
    /// gathered timer jitter, which under emulation costs about a third of a boot's instructions.
    var rngSeed: [UInt8] = []
    /// Populated virtio-mmio slots: base address and PLIC source.
    var virtioMMIO: [(base: UInt64, irq: UInt32)] = []

    func build() -> DeviceTree {
        typealias L = VirtRISCV64Layout
        var fdt = DeviceTreeBuilder()
        let plic = fdt.allocatePhandle()
        let test = fdt.allocatePhandle()
        let hartControllers = (0..<hartCount).map { _ in fdt.allocatePhandle() }

        fdt.property("#address-cells", u32: 2)
        fdt.property("#size-cells", u32: 2)
        fdt.property("compatible", string: "riscv-virtio")
        fdt.property("model", string: "riscv-virtio,qemu")

        fdt.node("chosen") { chosen in
            chosen.property("stdout-path", string: "/soc/serial@\(hex(L.uart))")
            if let commandLine { chosen.property("bootargs", string: commandLine) }
            if !rngSeed.isEmpty { chosen.property("rng-seed", bytes: rngSeed) }
            if let initrd {
                chosen.property("linux,initrd-start", u64: initrd.start)
                chosen.property("linux,initrd-end", u64: initrd.end)
            }
        }
        fdt.node("memory@\(hex(memoryBase))") { memory in
            memory.property("device_type", string: "memory")
            memory.property("reg", u64s: [memoryBase, memorySize])
        }
        fdt.node("cpus") { cpus in
            cpus.property("#address-cells", u32: 1)
            cpus.property("#size-cells", u32: 0)
            cpus.property("timebase-frequency", u32: L.timebase)
            for hart in 0..<hartCount {
                cpus.node("cpu@\(hart)") { cpu in
                    cpu.property("device_type", string: "cpu")
                    cpu.property("reg", u32: UInt32(hart))
                    cpu.property("status", string: "okay")
                    cpu.property("compatible", string: "riscv")
                    cpu.property("riscv,isa", string: isa)
                    cpu.property("mmu-type", string: mmuType)
                    cpu.node("interrupt-controller") { intc in
                        intc.property("#address-cells", u32: 0)
                        intc.property("#interrupt-cells", u32: 1)
                        intc.property("interrupt-controller")
                        intc.property("compatible", string: "riscv,cpu-intc")
                        intc.setPhandle(hartControllers[hart])
                    }
                }
            }
        }
        fdt.node("soc") { soc in
            soc.property("#address-cells", u32: 2)
            soc.property("#size-cells", u32: 2)
            soc.property("compatible", string: "simple-bus")
            soc.property("ranges")
            soc.node("test@\(hex(L.test))") { node in
                node.property("compatible", strings: ["sifive,test1", "sifive,test0", "syscon"])
                node.property("reg", u64s: [L.test, 0x1000])
                node.setPhandle(test)
            }
            soc.node("serial@\(hex(L.uart))") { node in
                node.property("compatible", string: "ns16550a")
                node.property("reg", u64s: [L.uart, L.uartSize])
                node.property("clock-frequency", u32: L.uartClock)
                node.property("interrupt-parent", phandle: plic)
                node.property("interrupts", u32: UInt32(L.uartIRQ))
            }
            soc.node("clint@\(hex(L.clint))") { node in
                node.property("compatible", strings: ["sifive,clint0", "riscv,clint0"])
                node.property("reg", u64s: [L.clint, 0x1_0000])
                node.property("interrupts-extended", u32s: hartControllers.flatMap { [$0.value, 3, $0.value, 7] })
            }
            soc.node("plic@\(hex(L.plic))") { node in
                node.property("compatible", strings: ["sifive,plic-1.0.0", "riscv,plic0"])
                node.property("reg", u64s: [L.plic, L.plicSize])
                node.property("#address-cells", u32: 0)
                node.property("#interrupt-cells", u32: 1)
                node.property("interrupt-controller")
                node.property("riscv,ndev", u32: UInt32(L.plicSources))
                node.property("interrupts-extended", u32s: hartControllers.flatMap { [$0.value, 11, $0.value, 9] })
                node.setPhandle(plic)
            }
            for slot in virtioMMIO {
                soc.node(VirtioMMIOTransport.deviceTreeNodeName(base: slot.base)) { node in
                    VirtioMMIOTransport.deviceTreeProperties(base: slot.base, interruptParent: plic.value,
                                                             interrupts: [slot.irq]).forEach { node.add($0) }
                }
            }
            let pcie = PCIDeviceTreeDescription(
                ecamBase: L.pcieECAM, busCount: L.pcieBuses,
                io: .init(cpuAddress: L.pcieIO, pciAddress: 0, size: L.pcieIOSize),
                memory32: .init(cpuAddress: L.pcieMMIO, pciAddress: L.pcieMMIO, size: L.pcieMMIOSize),
                interruptParent: plic.value, parentAddressCells: 0,
                intxSpecifiers: (0..<4).map { [UInt32(L.pcieFirstIRQ + $0)] })
            soc.node(pcie.nodeName) { node in pcie.properties.forEach { node.add($0) } }
        }
        fdt.node("poweroff") { node in
            node.property("compatible", string: "syscon-poweroff")
            node.property("regmap", phandle: test)
            node.property("offset", u32: 0)
            node.property("value", u32: 0x5555)
        }
        fdt.node("reboot") { node in
            node.property("compatible", string: "syscon-reboot")
            node.property("regmap", phandle: test)
            node.property("offset", u32: 0)
            node.property("value", u32: 0x7777)
        }
        return fdt.finish()
    }

    private func hex(_ value: UInt64) -> String { String(value, radix: 16) }
}
