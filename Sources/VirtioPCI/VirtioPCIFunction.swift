import Machine
import PCI
import Synchronization
import Virtio

/// A virtio device behind the modern virtio-pci transport (virtio 1.2 §4.1): vendor 0x1AF4,
/// device 0x1040 + type, revision 1, the five vendor capabilities (common, notify, ISR, device
/// and PCI-config-access), MSI-X with one vector per queue plus one for config changes, and
/// INTx with a read-to-clear ISR when MSI-X is off.
///
/// Negotiation and queue rules are `VirtioTransportCore`'s, shared with virtio-mmio. PCI adds:
/// notifications are dropped and MSI-X messages held pending while Bus Master is disabled;
/// a vector number past the table reads back as NO_VECTOR (the mapping failed, §4.1.5.1.2);
/// accesses that straddle common-config fields or have the wrong width read 0 and are ignored.
public final class VirtioPCIFunction: PCIFunction, VirtioTransportSignals, @unchecked Sendable {
    public let config: PCIConfigSpace
    public let core: VirtioTransportCore
    public let msix: MSIXCapability
    /// Accesses refused for width or alignment, for tests and diagnostics.
    public private(set) var rejectedAccesses: UInt64 = 0

    /// The ISR byte; INTx changes under the same lock (see `VirtioMMIOTransport`).
    private let isr = Mutex<UInt8>(0)
    private var deviceFeatureSelect: UInt32 = 0
    private var driverFeatureSelect: UInt32 = 0
    private var queueSelect: UInt16 = 0
    /// MSI-X vector per queue, then the config vector last.
    private let vectors: Mutex<[UInt16]>
    private let pciCfgCapability: Int

    /// A function for `device`; `ringFormat` is `MachineConfiguration.virtioRing`.
    public init(device: any VirtioDevice, memory: GuestMemory, ringFormat: VirtioRingFormat? = nil) {
        core = VirtioTransportCore(device: device, memory: memory, modern: true, ringFormat: ringFormat)
        let type = device.deviceID.rawValue
        config = PCIConfigSpace(vendorID: VirtioPCILayout.vendorID, deviceID: VirtioPCILayout.deviceIDBase + UInt16(type),
                                revision: 1, classCode: Self.classCode(device.deviceID),
                                subsystemVendorID: VirtioPCILayout.vendorID, subsystemID: 0x40, interruptPin: 1)
        config.addBAR(VirtioPCILayout.msixBAR, kind: .memory32, size: VirtioPCILayout.msixBARSize)
        config.addBAR(VirtioPCILayout.structuresBAR, kind: .memory64(prefetchable: true), size: VirtioPCILayout.structuresBARSize)
        msix = MSIXCapability(config: config, vectors: core.queueCount + 1,
                              tableBAR: VirtioPCILayout.msixBAR, tableOffset: VirtioPCILayout.msixTableOffset,
                              pbaBAR: VirtioPCILayout.msixBAR, pbaOffset: VirtioPCILayout.msixPBAOffset)
        typealias L = VirtioPCILayout
        let bar = UInt8(L.structuresBAR)
        _ = Self.addVendorCapability(config, type: L.commonCfg, bar: bar, offset: L.commonOffset, length: L.commonLength)
        let notify = Self.addVendorCapability(config, type: L.notifyCfg, bar: bar, offset: L.notifyOffset,
                                              length: UInt64(max(core.queueCount, 1)) * UInt64(L.notifyOffMultiplier), extra: 4)
        config.store(notify + 16, L.notifyOffMultiplier)
        _ = Self.addVendorCapability(config, type: L.isrCfg, bar: bar, offset: L.isrOffset, length: L.isrLength)
        _ = Self.addVendorCapability(config, type: L.deviceCfg, bar: bar, offset: L.deviceOffset,
                                     length: UInt64(min(max(device.configSize, 1), Int(L.deviceLength))))
        pciCfgCapability = Self.addVendorCapability(config, type: L.pciCfg, bar: 0, offset: 0, length: 0, extra: 4)
        config.setWritable(pciCfgCapability + 4, mask: 0xFF, width: 1)
        config.setWritable(pciCfgCapability + 8, mask: 0xFFFF_FFFF, width: 4)
        config.setWritable(pciCfgCapability + 12, mask: 0xFFFF_FFFF, width: 4)
        config.setWritable(pciCfgCapability + 16, mask: 0xFFFF_FFFF, width: 4)
        vectors = Mutex(Array(repeating: L.noVector, count: core.queueCount + 1))
        core.signals = self
    }

    /// Class codes by device type, so that `lspci` shows something sensible.
    static func classCode(_ id: VirtioDeviceID) -> UInt32 {
        switch id {
        case .net: 0x02_00_00
        case .block: 0x01_00_00
        case .console: 0x07_80_00
        case .input: 0x09_80_00
        default: 0x00_FF_00
        }
    }

    /// Appends a `virtio_pci_cap` (16 bytes, plus `extra`) and returns its offset.
    static func addVendorCapability(_ config: PCIConfigSpace, type: UInt8, bar: UInt8, offset: UInt64, length: UInt64, extra: Int = 0) -> Int {
        let at = config.addCapability(id: 0x09, length: 16 + extra)
        config.store(at + 2, UInt8(16 + extra))
        config.store(at + 3, type)
        config.store(at + 4, bar)
        config.store(at + 8, UInt32(offset))
        config.store(at + 12, UInt32(length))
        return at
    }

    public func attached(msi: (any MSIController)?) { msix.controller = msi }

    /// A machine reset: the device, the transport state and the interrupt state.
    public func reset() {
        core.reset()
        resetTransportState()
    }

    private func resetTransportState() {
        deviceFeatureSelect = 0
        driverFeatureSelect = 0
        queueSelect = 0
        vectors.withLock { v in for i in v.indices { v[i] = VirtioPCILayout.noVector } }
        isr.withLock { value in
            value = 0
            config.setINTx(false)
        }
    }

    /// The vector of queue `index`, or of config changes when `index == queueCount`.
    private func vector(_ index: Int) -> UInt16 { vectors.withLock { $0[index] } }
    private func setVector(_ index: Int, _ value: UInt16) { vectors.withLock { $0[index] = value } }

    // MARK: Configuration space (PCI config access capability, §4.1.4.9)

    public func readConfig(offset: Int, size: Int) -> UInt32 {
        if offset >= pciCfgCapability + 16, offset < pciCfgCapability + 20 {
            return UInt32(truncatingIfNeeded: configWindowAccess(write: nil))
        }
        return config.read(offset: offset, size: size)
    }

    public func writeConfig(offset: Int, size: Int, value: UInt32) {
        if offset >= pciCfgCapability + 16, offset < pciCfgCapability + 20 {
            _ = configWindowAccess(write: UInt64(value))
            return
        }
        config.write(offset: offset, size: size, value: value)
        // Enabling MSI-X, clearing Function Mask or enabling bus mastering releases pending vectors.
        msix.deliverPending()
    }

    /// Reads or writes the BAR location the `virtio_pci_cfg_cap` names (bar, offset, length
    /// 1, 2 or 4, offset aligned to length); other settings read 0 and ignore writes.
    private func configWindowAccess(write value: UInt64?) -> UInt64 {
        let bar = Int(config.load8(pciCfgCapability + 4))
        let offset = UInt64(config.load32(pciCfgCapability + 8))
        let length = Int(config.load32(pciCfgCapability + 12))
        guard bar < 6, config.bars[bar] != nil, length == 1 || length == 2 || length == 4, offset % UInt64(length) == 0 else { return 0 }
        if let value {
            writeBAR(bar, offset: offset, size: length, value: value)
            return 0
        }
        return readBAR(bar, offset: offset, size: length)
    }

    // MARK: BARs

    public func readBAR(_ bar: Int, offset: UInt64, size: Int) -> UInt64 {
        typealias L = VirtioPCILayout
        if bar == L.msixBAR { return msix.read(bar: bar, offset: offset, size: size) }
        guard bar == L.structuresBAR else { return 0 }
        switch offset {
        case L.commonOffset..<(L.commonOffset + L.commonLength): return readCommon(offset - L.commonOffset, size)
        case L.isrOffset:
            return isr.withLock { value in
                defer { value = 0 }
                config.setINTx(false)
                return UInt64(value)
            }
        case L.deviceOffset..<(L.deviceOffset + L.deviceLength):
            let o = offset - L.deviceOffset
            guard size == 1 || size == 2 || size == 4 || size == 8, o % UInt64(size) == 0 else { return rejected() }
            return core.readConfig(offset: Int(o), size: size)
        default: return 0
        }
    }

    public func writeBAR(_ bar: Int, offset: UInt64, size: Int, value: UInt64) {
        typealias L = VirtioPCILayout
        if bar == L.msixBAR {
            msix.write(bar: bar, offset: offset, size: size, value: value)
            return
        }
        guard bar == L.structuresBAR else { return }
        switch offset {
        case L.commonOffset..<(L.commonOffset + L.commonLength): writeCommon(offset - L.commonOffset, size, value)
        case L.deviceOffset..<(L.deviceOffset + L.deviceLength):
            let o = offset - L.deviceOffset
            guard size == 1 || size == 2 || size == 4 || size == 8, o % UInt64(size) == 0 else { _ = rejected(); return }
            core.writeConfig(offset: Int(o), size: size, value: value)
        case L.notifyOffset..<(L.notifyOffset + 0x1000):
            let o = offset - L.notifyOffset
            guard o % UInt64(L.notifyOffMultiplier) == 0 else { return }
            // No DMA while Bus Master is off: the device may not touch its rings.
            guard config.busMasterEnabled else { return }
            core.notify(queue: Int(o / UInt64(L.notifyOffMultiplier)))
        default: return
        }
    }

    private func rejected() -> UInt64 {
        rejectedAccesses &+= 1
        return 0
    }

    // MARK: Common configuration

    /// Splits an access into its field: the whole field, or one aligned half of a 64-bit field.
    private func commonField(_ offset: UInt64, _ size: Int) -> UInt64? {
        guard let field = VirtioPCICommon.field(containing: offset) else { return nil }
        if size == field.width, offset == field.start { return field.start }
        if field.width == 8, size == 4, offset % 4 == 0 { return offset }
        return nil
    }

    private func readCommon(_ offset: UInt64, _ size: Int) -> UInt64 {
        typealias C = VirtioPCICommon
        guard let field = commonField(offset, size) else { return rejected() }
        let q = Int(queueSelect)
        let queue = core.queue(q)
        switch field {
        case C.deviceFeatureSelect: return UInt64(deviceFeatureSelect)
        case C.deviceFeature: return UInt64(core.offeredFeatureWord(deviceFeatureSelect))
        case C.driverFeatureSelect: return UInt64(driverFeatureSelect)
        case C.driverFeature: return UInt64(core.driverFeatureWord(driverFeatureSelect))
        case C.configMSIXVector: return UInt64(vector(core.queueCount))
        case C.numQueues: return UInt64(core.queueCount)
        case C.deviceStatus: return UInt64(core.deviceStatus)
        case C.configGeneration: return UInt64(UInt8(truncatingIfNeeded: core.configGeneration))
        case C.queueSelect: return UInt64(queueSelect)
        case C.queueSize: return UInt64(queue?.size ?? 0)
        case C.queueMSIXVector: return queue == nil ? UInt64(VirtioPCILayout.noVector) : UInt64(vector(q))
        case C.queueEnable: return queue?.ready == true && !core.queueInReset[q] ? 1 : 0
        case C.queueNotifyOff: return queue == nil ? 0 : UInt64(q)
        case C.queueDesc, C.queueDesc + 4: return half(queue?.descriptorArea, field - C.queueDesc, size)
        case C.queueDriver, C.queueDriver + 4: return half(queue?.driverArea, field - C.queueDriver, size)
        case C.queueDevice, C.queueDevice + 4: return half(queue?.deviceArea, field - C.queueDevice, size)
        case C.queueNotifyData: return 0
        case C.queueReset: return queue != nil && core.queueInReset[q] ? 1 : 0
        default: return 0
        }
    }

    private func half(_ value: UInt64?, _ part: UInt64, _ size: Int) -> UInt64 {
        guard let value else { return 0 }
        return size == 8 ? value : (part == 0 ? value & 0xFFFF_FFFF : value >> 32)
    }

    private func writeCommon(_ offset: UInt64, _ size: Int, _ value: UInt64) {
        typealias C = VirtioPCICommon
        guard let field = commonField(offset, size) else { _ = rejected(); return }
        let q = Int(queueSelect)
        let v32 = UInt32(truncatingIfNeeded: value), v16 = UInt16(truncatingIfNeeded: value)
        switch field {
        case C.deviceFeatureSelect: deviceFeatureSelect = v32
        case C.driverFeatureSelect: driverFeatureSelect = v32
        case C.driverFeature: core.setDriverFeatureWord(driverFeatureSelect, v32)
        case C.configMSIXVector: setVector(core.queueCount, validVector(v16))
        case C.deviceStatus:
            if value & 0xFF == 0 { reset() } else { core.writeStatus(UInt8(truncatingIfNeeded: value)) }
        case C.queueSelect: queueSelect = v16
        case C.queueSize: core.configure(queue: q) { $0.size = v16 }
        case C.queueMSIXVector:
            if q < core.queueCount { setVector(q, validVector(v16)) }
        case C.queueEnable:
            // Writing 0 is not allowed (§4.1.4.3.2); only enabling does anything.
            if v16 == 1 { core.configure(queue: q) { $0.ready = true } }
        case C.queueDesc, C.queueDesc + 4: setAddress(q, field - C.queueDesc, size, value) { $0.descriptorArea = $1($0.descriptorArea) }
        case C.queueDriver, C.queueDriver + 4: setAddress(q, field - C.queueDriver, size, value) { $0.driverArea = $1($0.driverArea) }
        case C.queueDevice, C.queueDevice + 4: setAddress(q, field - C.queueDevice, size, value) { $0.deviceArea = $1($0.deviceArea) }
        case C.queueReset: if v16 == 1 { core.resetQueue(q) }
        default: _ = rejected()
        }
    }

    private func setAddress(_ q: Int, _ part: UInt64, _ size: Int, _ value: UInt64,
                            _ field: (inout QueueConfig, (UInt64) -> UInt64) -> Void) {
        core.configure(queue: q) { config in
            field(&config) { old in
                if size == 8 { return value }
                return part == 0 ? (old & ~0xFFFF_FFFF) | (value & 0xFFFF_FFFF) : (old & 0xFFFF_FFFF) | (value & 0xFFFF_FFFF) << 32
            }
        }
    }

    /// A vector the table has, or NO_VECTOR (the driver reads the refusal back).
    private func validVector(_ v: UInt16) -> UInt16 {
        Int(v) < msix.vectorCount ? v : VirtioPCILayout.noVector
    }

    // MARK: VirtioTransportSignals

    public func signalQueue(_ queue: Int) {
        guard queue >= 0, queue < core.queueCount else { return }
        signal(vector: vector(queue), isrBit: 1)
    }

    public func signalConfig() {
        signal(vector: vector(core.queueCount), isrBit: 2)
    }

    private func signal(vector: UInt16, isrBit: UInt8) {
        if msix.isEnabled {
            if vector != VirtioPCILayout.noVector { msix.notify(vector: Int(vector)) }
            return
        }
        isr.withLock { value in
            value |= isrBit
            config.setINTx(true)
        }
    }
}
