import Machine
import Virtio

/// The guest side of modern virtio-pci, as firmware and Linux's `virtio_pci_modern.c` drive
/// it: BAR sizing and assignment with memory decode and bus mastering enabled (firmware's and
/// `pci_enable_device`/`pci_set_master`'s part), the vendor-capability walk, MSI-X table
/// programming, then the virtio sequence through the common configuration: feature words by
/// select, FEATURES_OK re-read, `msix_config` written and read back, per queue
/// (`queue_select`, `queue_size`, `queue_enable` must read 0, the addresses as two 32-bit
/// halves, `queue_notify_off`, `queue_msix_vector` read back), every `queue_enable` last, and
/// DRIVER_OK. Notifications are 16-bit writes of the queue index.
public final class VirtioPCIDriver: VirtioTransportDriver {
    /// How configuration space is reached.
    public enum ConfigAccess {
        /// ECAM at this CPU address on the memory bus.
        case ecam(UInt64)
        /// CF8/CFC on this port bus.
        case ports(Bus)
    }

    public let bus: Bus
    public let access: ConfigAccess
    public let device: Int
    public let memory: GuestMemory
    /// MSI-X message address and base data; nil keeps INTx.
    public let msiAddress: UInt64?
    public private(set) var queues: [GuestDriver] = []
    public private(set) var features: UInt64 = 0
    public var maxSegments = 8
    /// CPU addresses of the structures found through the capabilities.
    public private(set) var common: UInt64 = 0
    public private(set) var isr: UInt64 = 0
    public private(set) var deviceConfig: UInt64 = 0
    public private(set) var notifyBase: UInt64 = 0
    public private(set) var notifyMultiplier: UInt32 = 0
    public private(set) var barAddresses: [UInt64] = Array(repeating: 0, count: 6)
    private var notifyAddresses: [UInt64] = []
    private var msixCapability = 0

    public init(bus: Bus, access: ConfigAccess, device: Int, memory: GuestMemory, msiAddress: UInt64?) {
        self.bus = bus
        self.access = access
        self.device = device
        self.memory = memory
        self.msiAddress = msiAddress
    }

    // MARK: Configuration space

    public func cfgRead(_ offset: Int, _ size: Int) -> UInt32 {
        switch access {
        case .ecam(let base):
            return UInt32(truncatingIfNeeded: bus.read(base + UInt64(device) << 15 + UInt64(offset), size: size))
        case .ports(let ports):
            ports.write(0xCF8, size: 4, value: UInt64(0x8000_0000 | UInt32(device) << 11 | UInt32(offset & 0xFC)))
            return UInt32(truncatingIfNeeded: ports.read(0xCFC + UInt64(offset & 3), size: size))
        }
    }

    public func cfgWrite(_ offset: Int, _ size: Int, _ value: UInt32) {
        switch access {
        case .ecam(let base):
            bus.write(base + UInt64(device) << 15 + UInt64(offset), size: size, value: UInt64(value))
        case .ports(let ports):
            ports.write(0xCF8, size: 4, value: UInt64(0x8000_0000 | UInt32(device) << 11 | UInt32(offset & 0xFC)))
            ports.write(0xCFC + UInt64(offset & 3), size: size, value: UInt64(value))
        }
    }

    // MARK: Firmware's part

    /// Sizes every BAR and places memory BARs from `memoryBase` (naturally aligned), then
    /// enables memory decode and bus mastering. Returns the first free address after them.
    @discardableResult
    public func assignBARs(memoryBase: UInt64) -> UInt64 {
        var next = memoryBase
        var index = 0
        while index < 6 {
            let register = 0x10 + 4 * index
            let original = cfgRead(register, 4)
            cfgWrite(register, 4, 0xFFFF_FFFF)
            let sized = cfgRead(register, 4)
            let is64 = original & 0x7 == 0x4
            var mask = UInt64(sized & ~0xF)
            if is64 {
                cfgWrite(register + 4, 4, 0xFFFF_FFFF)
                mask |= UInt64(cfgRead(register + 4, 4)) << 32
            } else if mask != 0 {
                mask |= 0xFFFF_FFFF_0000_0000
            }
            if sized != 0, original & 1 == 0, mask != 0 {
                let size = ~mask &+ 1
                let address = (next + size - 1) & ~(size - 1)
                cfgWrite(register, 4, UInt32(truncatingIfNeeded: address))
                if is64 { cfgWrite(register + 4, 4, UInt32(truncatingIfNeeded: address >> 32)) }
                barAddresses[index] = address
                next = address + size
            }
            index += is64 ? 2 : 1
        }
        cfgWrite(0x04, 2, cfgRead(0x04, 2) | 0x6)
        return next
    }

    /// Points BAR `index` at `address` (a BAR moved by the OS); the driver follows it.
    public func moveBAR(_ index: Int, to address: UInt64) {
        let is64 = cfgRead(0x10 + 4 * index, 4) & 0x7 == 0x4
        cfgWrite(0x10 + 4 * index, 4, UInt32(truncatingIfNeeded: address))
        if is64 { cfgWrite(0x14 + 4 * index, 4, UInt32(truncatingIfNeeded: address >> 32)) }
        let old = barAddresses[index]
        barAddresses[index] = address
        func rebase(_ a: UInt64) -> UInt64 { a >= old && a - old < 0x10000 ? a - old + address : a }
        common = rebase(common); isr = rebase(isr); deviceConfig = rebase(deviceConfig); notifyBase = rebase(notifyBase)
        notifyAddresses = notifyAddresses.map(rebase)
    }

    // MARK: Probe

    /// Checks the IDs and walks the vendor capabilities (virtio_pci_find_capability).
    @discardableResult
    public func probe() throws(VirtioDriverError) -> UInt16 {
        guard cfgRead(0x00, 2) == 0x1AF4 else { throw .noDevice }
        let deviceID = UInt16(cfgRead(0x02, 2))
        guard deviceID >= 0x1040, deviceID <= 0x107F else { throw .noDevice }
        guard cfgRead(0x06, 2) & 0x10 != 0 else { throw .missingCapability(0) }
        var position = Int(cfgRead(0x34, 1) & 0xFC)
        var found: [UInt8: UInt64] = [:]
        var steps = 0
        while position != 0, steps < 48 {
            steps += 1
            let id = UInt8(cfgRead(position, 1))
            if id == 0x11 { msixCapability = position }
            if id == 0x09 {
                let type = UInt8(cfgRead(position + 3, 1))
                let bar = Int(cfgRead(position + 4, 1))
                let offset = UInt64(cfgRead(position + 8, 4))
                if bar < 6, found[type] == nil, type >= 1, type <= 4 {
                    found[type] = barAddresses[bar] + offset
                    if type == 2 { notifyMultiplier = cfgRead(position + 16, 4) }
                }
            }
            position = Int(cfgRead(position + 1, 1) & 0xFC)
        }
        for type: UInt8 in 1...4 where found[type] == nil { throw .missingCapability(type) }
        common = found[1]!; notifyBase = found[2]!; isr = found[3]!; deviceConfig = found[4]!
        return deviceID - 0x1040
    }

    // MARK: Register helpers

    private func r8(_ o: UInt64) -> UInt8 { UInt8(truncatingIfNeeded: bus.read(common + o, size: 1)) }
    private func r16(_ o: UInt64) -> UInt16 { UInt16(truncatingIfNeeded: bus.read(common + o, size: 2)) }
    private func r32(_ o: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: bus.read(common + o, size: 4)) }
    private func w8(_ o: UInt64, _ v: UInt8) { bus.write(common + o, size: 1, value: UInt64(v)) }
    private func w16(_ o: UInt64, _ v: UInt16) { bus.write(common + o, size: 2, value: UInt64(v)) }
    private func w32(_ o: UInt64, _ v: UInt32) { bus.write(common + o, size: 4, value: UInt64(v)) }
    private func w64TwoPart(_ o: UInt64, _ v: UInt64) {
        w32(o, UInt32(truncatingIfNeeded: v))
        w32(o + 4, UInt32(truncatingIfNeeded: v >> 32))
    }

    public var status: UInt8 { r8(0x14) }
    private func addStatus(_ bits: UInt8) { w8(0x14, status | bits) }

    public func reset() {
        w8(0x14, 0)
        var spins = 0
        while status != 0, spins < 100 { spins += 1 }
        queues = []
        notifyAddresses = []
    }

    // MARK: MSI-X

    /// Programs `count` table entries (address, data = base + vector) unmasked and enables
    /// MSI-X, as pci_alloc_irq_vectors and request_irq leave it.
    private func enableMSIX(vectors count: Int, address: UInt64) {
        guard msixCapability != 0 else { return }
        let control = cfgRead(msixCapability + 2, 2)
        cfgWrite(msixCapability + 2, 2, control | 0xC000)
        let tableRegister = cfgRead(msixCapability + 4, 4)
        let table = barAddresses[Int(tableRegister & 7)] + UInt64(tableRegister & ~7)
        let available = Int(control & 0x7FF) + 1
        for v in 0..<min(count, available) {
            let entry = table + UInt64(16 * v)
            bus.write(entry, size: 4, value: address & 0xFFFF_FFFF)
            bus.write(entry + 4, size: 4, value: address >> 32)
            bus.write(entry + 8, size: 4, value: UInt64(v))
            bus.write(entry + 12, size: 4, value: 0)
        }
        cfgWrite(msixCapability + 2, 2, (control | 0x8000) & ~0x4000)
    }

    // MARK: Virtio

    public func initialize(wanted: UInt64, queueCount: Int, queueSize: UInt16, ringBase: UInt64) throws(VirtioDriverError) {
        if common == 0 { try probe() }
        reset()
        addStatus(VirtioStatus.acknowledge)
        addStatus(VirtioStatus.driver)
        w32(0x00, 0)
        var offered = UInt64(r32(0x04))
        w32(0x00, 1)
        offered |= UInt64(r32(0x04)) << 32
        features = offered & wanted
        guard features & VirtioFeature.version1 != 0 else { throw .version1Missing }
        w32(0x08, 0)
        w32(0x0C, UInt32(truncatingIfNeeded: features))
        w32(0x08, 1)
        w32(0x0C, UInt32(truncatingIfNeeded: features >> 32))
        addStatus(VirtioStatus.featuresOK)
        guard status & VirtioStatus.featuresOK != 0 else { throw .featuresRefused }

        if let msiAddress {
            enableMSIX(vectors: queueCount + 1, address: msiAddress)
            w16(0x10, 0)
            guard r16(0x10) != 0xFFFF else { throw .vectorRefused(-1) }
        }
        let numQueues = Int(r16(0x12))
        var next = ringBase
        for index in 0..<queueCount {
            guard index < numQueues else { throw .queueUnavailable(index) }
            w16(0x16, UInt16(index))
            let max = r16(0x18)
            guard max != 0 else { throw .queueUnavailable(index) }
            guard r16(0x1C) == 0 else { throw .queueAlreadyLive(index) }
            let size = min(queueSize, max)
            let ring = try Self.rings(memory: memory, size: size, features: features, base: next, maxSegments: maxSegments)
            next = (ring.layout.end + 4095) & ~4095
            w16(0x16, UInt16(index))
            w16(0x18, size)
            w64TwoPart(0x20, ring.layout.descriptorArea)
            w64TwoPart(0x28, ring.layout.driverArea)
            w64TwoPart(0x30, ring.layout.deviceArea)
            w16(0x16, UInt16(index))
            notifyAddresses.append(notifyBase + UInt64(r16(0x1E)) * UInt64(notifyMultiplier))
            if msiAddress != nil {
                w16(0x16, UInt16(index))
                w16(0x1A, UInt16(index + 1))
                guard r16(0x1A) != 0xFFFF else { throw .vectorRefused(index) }
            }
            queues.append(ring)
        }
        for index in 0..<queueCount {
            w16(0x16, UInt16(index))
            w16(0x1C, 1)
        }
        addStatus(VirtioStatus.driverOK)
    }

    public func kick(_ index: Int) {
        guard index < notifyAddresses.count else { return }
        bus.write(notifyAddresses[index], size: 2, value: UInt64(index))
    }

    /// vp_interrupt: one byte read of the ISR, which clears it.
    public func interruptCause() -> UInt32 { UInt32(bus.read(isr, size: 1)) }

    /// Writes a vector for queue `index` (or the config vector for -1) and reads it back.
    public func assignVector(queue index: Int, _ vector: UInt16) -> UInt16 {
        if index < 0 {
            w16(0x10, vector)
            return r16(0x10)
        }
        w16(0x16, UInt16(truncatingIfNeeded: index))
        w16(0x1A, vector)
        return r16(0x1A)
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        if size == 8 {
            return bus.read(deviceConfig + UInt64(offset), size: 4) | bus.read(deviceConfig + UInt64(offset) + 4, size: 4) << 32
        }
        return bus.read(deviceConfig + UInt64(offset), size: size)
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {
        bus.write(deviceConfig + UInt64(offset), size: size, value: value)
    }

    public var configGeneration: UInt8 { r8(0x15) }
}
