import Machine
import PCI
import Virtio
import VirtioPCI

/// The virt board's two virtio transports, as QEMU lays them out: eight virtio-mmio slots from
/// 0x1000_1000 on PLIC sources 1-8, and a PCIe host (ECAM at 0x3000_0000, memory window at
/// 0x4000_0000, I/O at 0x0300_0000, INTx on sources 32-35). The PCIe host is always present,
/// as on QEMU, so firmware and kernels can enumerate it; `--virtio-transport` chooses which
/// transport carries the devices (MMIO by default), and a drive's `transport=` overrides it for
/// that drive, so one machine can have devices on both.
struct VirtRISCV64Virtio {
    /// Populated MMIO slots, for the device tree.
    var mmioSlots: [(base: UInt64, irq: UInt32)] = []
    let pcie: PCIHostBridge

    init(devices: VirtioDeviceSet, configuration: MachineConfiguration, memory: GuestMemory,
         bus: Bus, interrupts: any InterruptController) throws(BoardError) {
        typealias L = VirtRISCV64Layout
        pcie = PCIHostBridge(intxLines: (0..<4).map { InterruptLine(controller: interrupts, line: L.pcieFirstIRQ + $0) },
                             msi: nil, busCount: L.pcieBuses)
        do {
            try bus.register(pcie, at: L.pcieECAM, size: pcie.ecamSize, name: "pcie-ecam")
            try bus.register(pcie.window(pciBase: L.pcieMMIO, io: false), at: L.pcieMMIO, size: L.pcieMMIOSize, name: "pcie-mmio")
            try bus.register(pcie.window(pciBase: 0, io: true), at: L.pcieIO, size: L.pcieIOSize, name: "pcie-io")
        } catch {
            throw .layout(error.description)
        }
        let mmioEntries = devices.entries.filter { $0.placement(configuration, boardDefault: .mmio) == .mmio }
        guard mmioEntries.count <= L.virtioMMIOSlots else {
            throw .tooManyDevices("virt-riscv64 has \(L.virtioMMIOSlots) virtio-mmio slots, but \(mmioEntries.count) virtio devices were asked for on them; use --virtio-transport pci")
        }
        for (slot, entry) in mmioEntries.enumerated() {
            let base = L.virtioMMIO + UInt64(slot) * L.virtioMMIOStride
            let irq = L.virtioMMIOFirstIRQ + slot
            let transport = VirtioMMIOTransport(device: entry.device, memory: memory,
                                                interrupt: InterruptLine(controller: interrupts, line: irq),
                                                ringFormat: configuration.virtioRing)
            do {
                try bus.register(transport, at: base, size: VirtioMMIOTransport.regionSize, name: "virtio-mmio-\(entry.name)")
            } catch {
                throw .layout(error.description)
            }
            mmioSlots.append((base, UInt32(irq)))
        }
        for entry in devices.entries where entry.placement(configuration, boardDefault: .mmio) == .pci {
            guard let slot = pcie.freeDevice() else {
                throw .tooManyDevices("the PCIe bus has no free slot for \(entry.name)")
            }
            let function = VirtioPCIFunction(device: entry.device, memory: memory, ringFormat: configuration.virtioRing)
            do { try pcie.attach(function, at: PCIAddress(device: slot)) } catch { throw .layout("\(error)") }
        }
    }
}
