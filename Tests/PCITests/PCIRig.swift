import Machine
import Synchronization
@testable import PCI

/// Records interrupt levels per line.
final class RecordingController: InterruptController, @unchecked Sendable {
    private let levels = Mutex<[Int: Bool]>([:])
    func setLevel(line: Int, high: Bool) { levels.withLock { $0[line] = high } }
    func level(_ line: Int) -> Bool { levels.withLock { $0[line] ?? false } }
}

/// Records MSI messages.
final class RecordingMSI: MSIController, @unchecked Sendable {
    private let list = Mutex<[MSIMessage]>([])
    func deliver(_ message: MSIMessage) { list.withLock { $0.append(message) } }
    var messages: [MSIMessage] { list.withLock { $0 } }
}

/// A test function: BAR 0 32-bit memory (256 bytes of scratch registers), BAR 1 I/O (16
/// bytes), BAR 2-3 64-bit memory (4 KiB, MSI-X table at 0, PBA at 0x800), INTA.
final class ScratchFunction: PCIFunction {
    let config = PCIConfigSpace(vendorID: 0x1234, deviceID: 0x5678, revision: 2, classCode: 0xFF_00_00,
                                subsystemVendorID: 0x1234, subsystemID: 0x1, interruptPin: 1)
    let msix: MSIXCapability
    var memory = [UInt64](repeating: 0, count: 32)
    var io = [UInt64](repeating: 0, count: 4)

    init() {
        config.addBAR(0, kind: .memory32, size: 256)
        config.addBAR(1, kind: .io, size: 16)
        config.addBAR(2, kind: .memory64(prefetchable: false), size: 4096)
        msix = MSIXCapability(config: config, vectors: 4, tableBAR: 2, tableOffset: 0, pbaBAR: 2, pbaOffset: 0x800)
    }

    func attached(msi: (any MSIController)?) { msix.controller = msi }

    func writeConfig(offset: Int, size: Int, value: UInt32) {
        config.write(offset: offset, size: size, value: value)
        msix.deliverPending()
    }

    func readBAR(_ bar: Int, offset: UInt64, size: Int) -> UInt64 {
        switch bar {
        case 0: memory[Int(offset / 8)]
        case 1: io[Int(offset / 4)]
        case 2: msix.read(bar: bar, offset: offset, size: size)
        default: 0
        }
    }

    func writeBAR(_ bar: Int, offset: UInt64, size: Int, value: UInt64) {
        switch bar {
        case 0: memory[Int(offset / 8)] = value
        case 1: io[Int(offset / 4)] = value
        case 2: msix.write(bar: bar, offset: offset, size: size, value: value)
        default: break
        }
    }
}

/// A bridge with ECAM at `ecamBase`, a 32-bit memory window and an I/O window on one bus.
struct PCIRig {
    static let ecamBase: UInt64 = 0x3000_0000
    static let memoryBase: UInt64 = 0x4000_0000
    static let memorySize: UInt64 = 0x1000_0000
    static let ioCPUBase: UInt64 = 0x0300_0000
    static let ioSize: UInt64 = 0x1_0000

    let bus = Bus(name: "mmio")
    let intc = RecordingController()
    let msi = RecordingMSI()
    let bridge: PCIHostBridge

    init() {
        let recorder = intc
        let b = PCIHostBridge(intxLines: (0..<4).map { InterruptLine(controller: recorder, line: 3 + $0) }, msi: msi)
        try! bus.register(b, at: Self.ecamBase, size: b.ecamSize, name: "ecam")
        try! bus.register(b.window(pciBase: Self.memoryBase, io: false), at: Self.memoryBase, size: Self.memorySize, name: "pci-mem")
        try! bus.register(b.window(pciBase: 0, io: true), at: Self.ioCPUBase, size: Self.ioSize, name: "pci-io")
        bridge = b
    }

    func ecam(_ device: Int, _ register: Int) -> UInt64 { Self.ecamBase + UInt64(device) << 15 + UInt64(register) }
    func cfg32(_ device: Int, _ register: Int) -> UInt32 { UInt32(bus.read(ecam(device, register), size: 4)) }
    func setCfg32(_ device: Int, _ register: Int, _ value: UInt32) { bus.write(ecam(device, register), size: 4, value: UInt64(value)) }
}
