import Machine
import Virtio

/// The guest side of virtio-mmio, register access for register access as Linux's
/// `virtio_mmio.c` and the virtio core perform it: probe (magic, version, device ID; legacy
/// writes GuestPageSize), reset, ACKNOWLEDGE, DRIVER, features high word then low word,
/// FEATURES_OK re-read (modern), per-queue setup (QueueSel, "already live" check, QueueNumMax,
/// QueueNum, then QueueAlign + QueuePFN or the six address halves + QueueReady), DRIVER_OK.
public final class VirtioMMIODriver: VirtioTransportDriver {
    public let bus: Bus
    public let base: UInt64
    public let memory: GuestMemory
    public static let pageSize: UInt64 = 4096
    public private(set) var version: UInt32 = 0
    public private(set) var queues: [GuestDriver] = []
    public private(set) var features: UInt64 = 0
    public var maxSegments = 8

    public init(bus: Bus, base: UInt64, memory: GuestMemory) {
        self.bus = bus
        self.base = base
        self.memory = memory
    }

    public func read(_ offset: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: bus.read(base + offset, size: 4)) }
    public func write(_ offset: UInt64, _ value: UInt32) { bus.write(base + offset, size: 4, value: UInt64(value)) }

    /// vm_probe: checks magic and version, reads the device ID; legacy devices get the page size.
    @discardableResult
    public func probe() throws(VirtioDriverError) -> UInt32 {
        guard read(0x000) == 0x7472_6976 else { throw .noDevice }
        version = read(0x004)
        guard version == 1 || version == 2 else { throw .unsupportedVersion(version) }
        let deviceID = read(0x008)
        guard deviceID != 0 else { throw .noDevice }
        _ = read(0x00C)
        if version == 1 { write(0x028, UInt32(Self.pageSize)) }
        return deviceID
    }

    public var status: UInt8 { UInt8(truncatingIfNeeded: read(0x070)) }
    private func addStatus(_ bits: UInt8) { write(0x070, UInt32(status | bits)) }

    public func reset() {
        write(0x070, 0)
        var spins = 0
        while status != 0, spins < 100 { spins += 1 }
        queues = []
    }

    public func initialize(wanted: UInt64, queueCount: Int, queueSize: UInt16, ringBase: UInt64) throws(VirtioDriverError) {
        if version == 0 { try probe() }
        reset()
        addStatus(VirtioStatus.acknowledge)
        addStatus(VirtioStatus.driver)
        write(0x014, 1)
        var offered = UInt64(read(0x010)) << 32
        write(0x014, 0)
        offered |= UInt64(read(0x010))
        features = offered & wanted
        if version == 2 {
            guard features & VirtioFeature.version1 != 0 else { throw .version1Missing }
        }
        write(0x024, 1)
        write(0x020, UInt32(truncatingIfNeeded: features >> 32))
        write(0x024, 0)
        write(0x020, UInt32(truncatingIfNeeded: features))
        if features & VirtioFeature.version1 != 0 {
            addStatus(VirtioStatus.featuresOK)
            guard status & VirtioStatus.featuresOK != 0 else { throw .featuresRefused }
        }
        var next = ringBase
        for index in 0..<queueCount {
            let ring = try setUpQueue(index, queueSize, next)
            next = (ring.layout.end + 4095) & ~4095
            queues.append(ring)
        }
        addStatus(VirtioStatus.driverOK)
    }

    private func setUpQueue(_ index: Int, _ wantedSize: UInt16, _ base: UInt64) throws(VirtioDriverError) -> GuestDriver {
        write(0x030, UInt32(index))
        guard read(version == 1 ? 0x040 : 0x044) == 0 else { throw .queueAlreadyLive(index) }
        let max = read(0x034)
        guard max != 0 else { throw .queueUnavailable(index) }
        let size = UInt16(min(UInt32(wantedSize), max))
        let ring = try Self.rings(memory: memory, size: size, features: features, base: base, maxSegments: maxSegments,
                                  legacyAlign: version == 1 ? Self.pageSize : nil)
        write(0x038, UInt32(size))
        let layout = ring.layout
        if version == 1 {
            write(0x03C, UInt32(Self.pageSize))
            write(0x040, UInt32(truncatingIfNeeded: layout.descriptorArea / Self.pageSize))
        } else {
            write(0x080, UInt32(truncatingIfNeeded: layout.descriptorArea))
            write(0x084, UInt32(truncatingIfNeeded: layout.descriptorArea >> 32))
            write(0x090, UInt32(truncatingIfNeeded: layout.driverArea))
            write(0x094, UInt32(truncatingIfNeeded: layout.driverArea >> 32))
            write(0x0A0, UInt32(truncatingIfNeeded: layout.deviceArea))
            write(0x0A4, UInt32(truncatingIfNeeded: layout.deviceArea >> 32))
            write(0x044, 1)
        }
        return ring
    }

    public func kick(_ index: Int) { write(0x050, UInt32(index)) }

    /// vm_interrupt: read InterruptStatus, write the same bits to InterruptACK.
    public func interruptCause() -> UInt32 {
        let cause = read(0x060)
        write(0x064, cause)
        return cause
    }

    /// vm_get: legacy reads byte by byte; version 2 reads with the field's width.
    public func readConfig(offset: Int, size: Int) -> UInt64 {
        let address = base + 0x100 + UInt64(offset)
        if version == 1 {
            var value: UInt64 = 0
            for i in 0..<size { value |= bus.read(address + UInt64(i), size: 1) << (8 * UInt64(i)) }
            return value
        }
        if size == 8 { return bus.read(address, size: 4) | bus.read(address + 4, size: 4) << 32 }
        return bus.read(address, size: size)
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {
        let address = base + 0x100 + UInt64(offset)
        if size == 8 {
            bus.write(address, size: 4, value: value & 0xFFFF_FFFF)
            bus.write(address + 4, size: 4, value: value >> 32)
        } else {
            bus.write(address, size: size, value: value)
        }
    }

    /// The config generation (0 on legacy devices, which have none).
    public var configGeneration: UInt32 { version == 1 ? 0 : read(0x0FC) }
}
