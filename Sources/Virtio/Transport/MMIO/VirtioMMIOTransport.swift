import Machine
import Synchronization

/// A virtio-mmio transport (virtio 1.2 §4.2): one device's register window, placed on a board's
/// `Bus` at a base address (`VirtioMMIOTransport.regionSize` bytes) with one interrupt line.
///
/// `legacy` selects the version 1 layout of §4.2.4 (GuestPageSize, QueuePFN, QueueAlign and a
/// split ring only); otherwise the version 2 layout with 64-bit queue addresses, QueueReady,
/// ConfigGeneration, shared-memory registers (answering "no region") and QueueReset.
///
/// Control registers (below 0x100) take aligned 32-bit accesses only; any other width or
/// alignment, a reserved offset, a read of a write-only register and a write to a read-only one
/// read 0 or are ignored, and are counted in `rejectedAccesses`. The config space at 0x100
/// takes naturally aligned 1-, 2-, 4- and 8-byte accesses.
public final class VirtioMMIOTransport: MMIODevice, VirtioTransportSignals, @unchecked Sendable {
    /// The size of the register window a board reserves per device (QEMU's stride).
    public static let regionSize: UInt64 = 0x200

    public let core: VirtioTransportCore
    public let legacy: Bool
    public let interrupt: InterruptLine
    /// Accesses refused as described above, for tests and diagnostics.
    public private(set) var rejectedAccesses: UInt64 = 0

    /// InterruptStatus; the line is changed under the same lock, so that a device thread's
    /// raise and the driver's acknowledge cannot leave the line high with no cause (or low
    /// with one).
    private let interruptStatus = Mutex<UInt32>(0)
    private var deviceFeaturesSel: UInt32 = 0
    private var driverFeaturesSel: UInt32 = 0
    private var queueSel: UInt32 = 0
    /// Legacy state. GuestPageSize survives a device reset: Linux writes it once at probe.
    private var guestPageSize: UInt32 = 0
    private var queueAlign: [UInt32]
    private var queuePFN: [UInt32]

    /// A transport for `device`, DMA-ing through `memory`, interrupting on `interrupt`.
    /// `ringFormat` is `MachineConfiguration.virtioRing` (nil: offer both formats).
    public init(device: any VirtioDevice, memory: GuestMemory, interrupt: InterruptLine,
                legacy: Bool = false, ringFormat: VirtioRingFormat? = nil) {
        core = VirtioTransportCore(device: device, memory: memory, modern: !legacy, ringFormat: ringFormat)
        self.legacy = legacy
        self.interrupt = interrupt
        queueAlign = Array(repeating: 4096, count: core.queueCount)
        queuePFN = Array(repeating: 0, count: core.queueCount)
        core.signals = self
    }

    /// Resets the device and the transport, as a status write of 0 or a machine reset does.
    public func reset() {
        core.reset()
        resetTransportState()
    }

    private func resetTransportState() {
        deviceFeaturesSel = 0
        driverFeaturesSel = 0
        queueSel = 0
        for i in 0..<core.queueCount {
            queueAlign[i] = 4096
            queuePFN[i] = 0
        }
        interruptStatus.withLock { status in
            status = 0
            interrupt.lower()
        }
    }

    // MARK: MMIODevice

    public func read(offset: UInt64, size: Int) -> UInt64 {
        if offset >= VirtioMMIORegister.config {
            guard Self.isConfigWidth(size), offset % UInt64(size) == 0 else { return reject() }
            return core.readConfig(offset: Int(offset - VirtioMMIORegister.config), size: size)
        }
        guard size == 4, offset % 4 == 0 else { return reject() }
        return UInt64(readRegister(offset) ?? UInt32(truncatingIfNeeded: reject()))
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        if offset >= VirtioMMIORegister.config {
            guard Self.isConfigWidth(size), offset % UInt64(size) == 0 else {
                _ = reject()
                return
            }
            core.writeConfig(offset: Int(offset - VirtioMMIORegister.config), size: size, value: value)
            return
        }
        guard size == 4, offset % 4 == 0, writeRegister(offset, UInt32(truncatingIfNeeded: value)) else {
            _ = reject()
            return
        }
    }

    /// Config space takes 1-, 2-, 4- and 8-byte accesses (the region is 0x200 bytes, so the
    /// offset always fits an `Int`).
    private static func isConfigWidth(_ size: Int) -> Bool { size == 1 || size == 2 || size == 4 || size == 8 }

    private func reject() -> UInt64 {
        rejectedAccesses &+= 1
        return 0
    }

    private var selectedQueue: Int { Int(queueSel) }

    private func readRegister(_ offset: UInt64) -> UInt32? {
        typealias R = VirtioMMIORegister
        switch offset {
        case R.magic: return R.magicValue
        case R.version: return legacy ? 1 : 2
        case R.deviceID: return core.device.deviceID.rawValue
        case R.vendorID: return R.vendorValue
        case R.deviceFeatures: return core.offeredFeatureWord(deviceFeaturesSel)
        case R.queueNumMax: return UInt32(core.queue(selectedQueue)?.maxSize ?? 0)
        case R.interruptStatus: return interruptStatus.withLock { $0 }
        case R.status: return UInt32(core.deviceStatus)
        case R.queuePFN where legacy:
            return selectedQueue < core.queueCount ? queuePFN[selectedQueue] : 0
        case R.queueReady where !legacy:
            return core.queue(selectedQueue)?.ready == true ? 1 : 0
        case R.shmLenLow where !legacy, R.shmLenHigh where !legacy, R.shmBaseLow where !legacy,
             R.shmBaseHigh where !legacy:
            return 0xFFFF_FFFF
        case R.queueReset where !legacy:
            return selectedQueue < core.queueCount && core.queueInReset[selectedQueue] ? 1 : 0
        case R.configGeneration where !legacy: return core.configGeneration
        default: return nil
        }
    }

    /// Applies a register write; false when the offset is not a writable register here.
    private func writeRegister(_ offset: UInt64, _ value: UInt32) -> Bool {
        typealias R = VirtioMMIORegister
        switch offset {
        case R.deviceFeaturesSel: deviceFeaturesSel = value
        case R.driverFeatures: core.setDriverFeatureWord(driverFeaturesSel, value)
        case R.driverFeaturesSel: driverFeaturesSel = value
        case R.queueSel: queueSel = value
        case R.queueNum:
            let size = value <= UInt32(UInt16.max) ? UInt16(value) : 0
            core.configure(queue: selectedQueue) { $0.size = size }
        case R.queueNotify: core.notify(queue: Int(value))
        case R.interruptACK: acknowledge(value)
        case R.status:
            if value & 0xFF == 0 {
                reset()
            } else {
                core.writeStatus(UInt8(truncatingIfNeeded: value))
            }
        case R.guestPageSize where legacy: guestPageSize = value
        case R.queueAlign where legacy:
            if selectedQueue < core.queueCount, core.canConfigure(queue: selectedQueue) { queueAlign[selectedQueue] = value }
        case R.queuePFN where legacy: writeQueuePFN(value)
        case R.queueReady where !legacy: core.configure(queue: selectedQueue) { $0.ready = value & 1 != 0 }
        case R.queueDescLow where !legacy: setLow(value) { $0.descriptorArea = $1($0.descriptorArea) }
        case R.queueDescHigh where !legacy: setHigh(value) { $0.descriptorArea = $1($0.descriptorArea) }
        case R.queueDriverLow where !legacy: setLow(value) { $0.driverArea = $1($0.driverArea) }
        case R.queueDriverHigh where !legacy: setHigh(value) { $0.driverArea = $1($0.driverArea) }
        case R.queueDeviceLow where !legacy: setLow(value) { $0.deviceArea = $1($0.deviceArea) }
        case R.queueDeviceHigh where !legacy: setHigh(value) { $0.deviceArea = $1($0.deviceArea) }
        case R.shmSel where !legacy: break
        case R.queueReset where !legacy:
            if value & 1 != 0 { core.resetQueue(selectedQueue) }
        default: return false
        }
        return true
    }

    private func setLow(_ value: UInt32, _ field: (inout QueueConfig, (UInt64) -> UInt64) -> Void) {
        core.configure(queue: selectedQueue) { field(&$0) { ($0 & ~0xFFFF_FFFF) | UInt64(value) } }
    }

    private func setHigh(_ value: UInt32, _ field: (inout QueueConfig, (UInt64) -> UInt64) -> Void) {
        core.configure(queue: selectedQueue) { field(&$0) { ($0 & 0xFFFF_FFFF) | UInt64(value) << 32 } }
    }

    /// Legacy QueuePFN (§4.2.4): the split ring lies contiguously at PFN × GuestPageSize with
    /// the used ring aligned to QueueAlign; 0 disables the queue. An unusable page size or
    /// alignment, or an address that overflows, leaves the queue configured so that it fails
    /// activation (DEVICE_NEEDS_RESET at DRIVER_OK).
    private func writeQueuePFN(_ pfn: UInt32) {
        let index = selectedQueue
        guard core.canConfigure(queue: index) else { return }
        queuePFN[index] = pfn
        let page = UInt64(guestPageSize), align = UInt64(queueAlign[index])
        core.configure(queue: index) { config in
            guard pfn != 0 else {
                config.ready = false
                return
            }
            let n = UInt64(config.size)
            let pageOK = page != 0 && page & (page - 1) == 0
            let alignOK = align != 0 && align & (align - 1) == 0
            let desc = UInt64(pfn).multipliedReportingOverflow(by: pageOK ? page : 0)
            let avail = desc.partialValue.addingReportingOverflow(16 * n)
            let usedUnaligned = avail.partialValue.addingReportingOverflow(6 + 2 * n)
            let used = usedUnaligned.partialValue.addingReportingOverflow(alignOK ? align - 1 : 0)
            config.ready = true
            if !pageOK || !alignOK || desc.overflow || avail.overflow || usedUnaligned.overflow || used.overflow {
                config.descriptorArea = UInt64.max
                return
            }
            config.descriptorArea = desc.partialValue
            config.driverArea = avail.partialValue
            config.deviceArea = used.partialValue & ~(align - 1)
        }
    }

    private func acknowledge(_ bits: UInt32) {
        interruptStatus.withLock { status in
            status &= ~bits
            if status == 0 { interrupt.lower() }
        }
    }

    private func raise(_ bit: UInt32) {
        interruptStatus.withLock { status in
            status |= bit
            interrupt.raise()
        }
    }

    // MARK: VirtioTransportSignals

    public func signalQueue(_ queue: Int) { raise(VirtioMMIORegister.usedBufferBit) }

    public func signalConfig() { raise(VirtioMMIORegister.configChangeBit) }
}
