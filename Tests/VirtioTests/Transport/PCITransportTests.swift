import Machine
import PCI
import Testing
@testable import Virtio
@testable import VirtioDriver
@testable import VirtioPCI

/// virtio-pci modern specifics and hostile sequences on it.
@Suite struct PCITransportTests {
    func fixture(_ kind: TransportKind = .pciMSIX) -> (TransportFixture, VirtioPCIDriver) {
        let f = TransportFixture(kind)
        let d = f.driver as! VirtioPCIDriver
        _ = try? d.probe()
        return (f, d)
    }

    @Test func identityAndCapabilities() throws {
        let (f, d) = fixture()
        #expect(d.cfgRead(0x00, 2) == 0x1AF4)
        #expect(d.cfgRead(0x02, 2) == 0x1040 + 4)
        #expect(d.cfgRead(0x08, 1) == 1)
        #expect(d.cfgRead(0x2C, 2) == 0x1AF4)
        #expect(d.cfgRead(0x2E, 2) >= 0x40)
        #expect(d.cfgRead(0x3D, 1) == 1)
        // Walk the list: MSI-X then the five vendor capabilities in order.
        var position = Int(d.cfgRead(0x34, 1))
        var seen: [(id: UInt32, type: UInt32, bar: UInt32, offset: UInt32, length: UInt32, capLength: UInt32)] = []
        while position != 0 {
            seen.append((d.cfgRead(position, 1), d.cfgRead(position + 3, 1), d.cfgRead(position + 4, 1),
                         d.cfgRead(position + 8, 4), d.cfgRead(position + 12, 4), d.cfgRead(position + 2, 1)))
            position = Int(d.cfgRead(position + 1, 1))
        }
        #expect(seen.map(\.id) == [0x11, 9, 9, 9, 9, 9])
        let vendor = seen.dropFirst()
        #expect(vendor.map(\.type) == [1, 2, 3, 4, 5])
        #expect(vendor.map(\.capLength) == [16, 20, 16, 16, 20])
        #expect(vendor.map(\.bar) == [4, 4, 4, 4, 0])
        #expect(vendor.map(\.offset) == [0, 0x3000, 0x1000, 0x2000, 0])
        #expect(vendor.map(\.length) == [0x3C, 8, 1, 8, 0])
        #expect(d.notifyMultiplier == 4)
        #expect(f.pci!.msix.vectorCount == 3)
    }

    @Test func bothMemoryBARsSizeCorrectly() {
        let (_, d) = fixture()
        d.cfgWrite(0x10, 4, 0xFFFF_FFFF)
        #expect(d.cfgRead(0x10, 4) == 0xFFFF_F000)
        d.cfgWrite(0x20, 4, 0xFFFF_FFFF)
        d.cfgWrite(0x24, 4, 0xFFFF_FFFF)
        #expect(d.cfgRead(0x20, 4) == 0xFFFF_C00C)
        #expect(d.cfgRead(0x24, 4) == 0xFFFF_FFFF)
        // Unimplemented BARs read 0 and ignore writes.
        d.cfgWrite(0x14, 4, 0xFFFF_FFFF)
        #expect(d.cfgRead(0x14, 4) == 0)
    }

    @Test func intxWithReadToClearISR() throws {
        let (f, d) = fixture(.pciINTx)
        try f.initialize(.packed)
        #expect(!f.pci!.msix.isEnabled)
        #expect(try f.echo(queue: 0, count: 2) == 2)
        #expect(f.intxLevel)
        #expect(d.cfgRead(0x06, 2) & 0x08 != 0)
        #expect(d.interruptCause() == 1)
        #expect(!f.intxLevel)
        #expect(d.interruptCause() == 0)
        #expect(d.cfgRead(0x06, 2) & 0x08 == 0)
        // Interrupt Disable keeps the pin low while the ISR still records the cause.
        d.cfgWrite(0x04, 2, d.cfgRead(0x04, 2) | 0x400)
        #expect(try f.echo(queue: 0, count: 1) == 1)
        #expect(!f.intxLevel)
        d.cfgWrite(0x04, 2, d.cfgRead(0x04, 2) & ~0x400)
        #expect(f.intxLevel)
        #expect(d.interruptCause() == 1)
    }

    @Test func msixVectorsOutOfRangeReadBackNoVector() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        #expect(d.assignVector(queue: -1, 3) == 0xFFFF)
        #expect(d.assignVector(queue: 0, 100) == 0xFFFF)
        #expect(d.assignVector(queue: 1, 0x8000) == 0xFFFF)
        #expect(d.assignVector(queue: 1, 2) == 2)
        // A queue past the last: its vector field reads NO_VECTOR and ignores writes.
        #expect(d.assignVector(queue: 7, 1) == 0xFFFF)
        // Queue 0 now has NO_VECTOR: its completions raise nothing.
        f.messages.clear()
        #expect(try f.echo(queue: 0, count: 1) == 1)
        #expect(f.messages.messages.isEmpty)
        #expect(!f.intxLevel)
        #expect(try f.echo(queue: 1, count: 1) == 1)
        #expect(f.messages.messages == [MSIMessage(address: TransportFixture.msiAddress, data: 2)])
    }

    @Test func maskedVectorsStayPendingUntilUnmasked() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        let table = d.barAddresses[0]
        f.messages.clear()
        f.bus.write(table + 16 + 12, size: 4, value: 1) // mask vector 1 (queue 0)
        #expect(try f.echo(queue: 0, count: 1) == 1)
        #expect(f.messages.messages.isEmpty)
        #expect(f.bus.read(table + 0x800, size: 8) == 0b10)
        f.bus.write(table + 16 + 12, size: 4, value: 0)
        #expect(f.messages.messages == [MSIMessage(address: TransportFixture.msiAddress, data: 1)])
        #expect(f.bus.read(table + 0x800, size: 8) == 0)
    }

    @Test func queueSetupBeforeFeaturesOKIsIgnored() {
        let (f, d) = fixture()
        let bus = f.bus, common = d.common
        bus.write(common + 0x14, size: 1, value: 3)
        bus.write(common + 0x16, size: 2, value: 0)
        bus.write(common + 0x18, size: 2, value: 8)
        bus.write(common + 0x20, size: 4, value: 0x8010_0000)
        bus.write(common + 0x1C, size: 2, value: 1)
        #expect(bus.read(common + 0x18, size: 2) == 64)
        #expect(bus.read(common + 0x1C, size: 2) == 0)
        #expect(bus.read(common + 0x20, size: 4) == 0)
    }

    @Test func queueOutsideRAMNeedsReset() throws {
        let (f, d) = fixture(.pciINTx)
        let bus = f.bus, common = d.common
        bus.write(common + 0x14, size: 1, value: 0)
        bus.write(common + 0x14, size: 1, value: 3)
        bus.write(common + 0x08, size: 4, value: 1)
        bus.write(common + 0x0C, size: 4, value: 1)
        bus.write(common + 0x14, size: 1, value: 0x0B)
        bus.write(common + 0x16, size: 2, value: 1)
        bus.write(common + 0x18, size: 2, value: 16)
        bus.write(common + 0x20, size: 8, value: 0xFFFF_FFFF_FFFF_0000)
        bus.write(common + 0x28, size: 8, value: 0x10_0000_0000)
        bus.write(common + 0x30, size: 8, value: 0x10_0000_0000)
        bus.write(common + 0x1C, size: 2, value: 1)
        bus.write(common + 0x14, size: 1, value: 0x0F)
        #expect(d.status & VirtioStatus.deviceNeedsReset != 0)
        #expect(f.device.activations.isEmpty)
        #expect(d.interruptCause() == 2)
        try f.initialize(.split)
        #expect(try f.echo(queue: 1, count: 2) == 2)
    }

    @Test func queueSelectOutOfRange() throws {
        let (f, d) = fixture()
        try f.initialize(.packed)
        let bus = f.bus, common = d.common
        #expect(bus.read(common + 0x12, size: 2) == 2)
        bus.write(common + 0x16, size: 2, value: 2)
        #expect(bus.read(common + 0x18, size: 2) == 0)
        #expect(bus.read(common + 0x1C, size: 2) == 0)
        bus.write(common + 0x16, size: 2, value: 0xFFFF)
        bus.write(common + 0x1C, size: 2, value: 1)
        bus.write(common + 0x3A, size: 2, value: 1)
        // Notifications for queues that do not exist, or between notify slots.
        bus.write(d.notifyBase + 8, size: 2, value: 2)
        bus.write(d.notifyBase + 0xFFC, size: 2, value: 0)
        bus.write(d.notifyBase + 2, size: 2, value: 0)
        #expect(f.device.notifications == 0)
        #expect(try f.echo(queue: 0, count: 2) == 2)
    }

    @Test func readOnlyFieldsAndOddWidths() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        let bus = f.bus, common = d.common
        bus.write(common + 0x04, size: 4, value: 0)
        bus.write(common + 0x12, size: 2, value: 9)
        bus.write(common + 0x15, size: 1, value: 9)
        bus.write(common + 0x16, size: 2, value: 0)
        bus.write(common + 0x1E, size: 2, value: 9)
        bus.write(common + 0x38, size: 2, value: 9)
        #expect(bus.read(common + 0x12, size: 2) == 2)
        #expect(bus.read(common + 0x1E, size: 2) == 0)
        bus.write(common + 0x00, size: 4, value: 1)
        #expect(bus.read(common + 0x04, size: 4) == UInt64(f.core.offeredFeatures >> 32))
        // Odd widths: a 4-byte status access, a byte of a 16-bit field, 2 bytes across fields.
        let before = f.pci!.rejectedAccesses
        #expect(bus.read(common + 0x14, size: 4) == 0)
        bus.write(common + 0x14, size: 2, value: 0)
        bus.write(common + 0x16, size: 1, value: 1)
        #expect(bus.read(common + 0x11, size: 2) == 0)
        #expect(f.pci!.rejectedAccesses == before + 4)
        #expect(d.status == 0x0F)
        // Read-only configuration header fields.
        d.cfgWrite(0x00, 4, 0)
        d.cfgWrite(0x08, 4, 0)
        d.cfgWrite(0x34, 1, 0)
        #expect(d.cfgRead(0x00, 2) == 0x1AF4)
        #expect(d.cfgRead(0x08, 1) == 1)
        #expect(d.cfgRead(0x34, 1) != 0)
        #expect(try f.echo(queue: 0, count: 2) == 2)
    }

    @Test(arguments: [VirtioRingFormat.split, .packed])
    func barMovedWhileLive(format: VirtioRingFormat) throws {
        let (f, d) = fixture()
        try f.initialize(format)
        #expect(try f.echo(queue: 0, count: 2) == 2)
        let old = d.barAddresses[4]
        let new = TransportFixture.pciMemoryBase + 0x80_0000
        d.moveBAR(4, to: new)
        #expect(f.bus.read(old + 0x14, size: 1) == 0xFF)
        #expect(d.status == 0x0F)
        #expect(try f.echo(queue: 0, count: 3, seed: 5) == 3)
        #expect(f.takeUsedInterrupt(queue: 0))
        // Memory decode off: nothing answers, notifications are lost, nothing crashes.
        d.cfgWrite(0x04, 2, d.cfgRead(0x04, 2) & ~0x2)
        #expect(f.bus.read(new + 0x14, size: 1) == 0xFF)
        let notifications = f.device.notifications
        d.kick(1)
        #expect(f.device.notifications == notifications)
        d.cfgWrite(0x04, 2, d.cfgRead(0x04, 2) | 0x2)
        #expect(try f.echo(queue: 1, count: 1) == 1)
    }

    @Test func busMasterOffBlocksNotificationsAndMessages() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        d.cfgWrite(0x04, 2, d.cfgRead(0x04, 2) & ~0x4)
        let before = f.device.notifications
        d.kick(0)
        #expect(f.device.notifications == before)
        f.messages.clear()
        f.device.changeMagic(3)
        #expect(f.messages.messages.isEmpty)
        #expect(f.pci!.msix.isPending(0))
        d.cfgWrite(0x04, 2, d.cfgRead(0x04, 2) | 0x4)
        #expect(!f.pci!.msix.isPending(0))
        #expect(f.messages.messages == [MSIMessage(address: TransportFixture.msiAddress, data: 0)])
    }

    @Test func pciConfigAccessCapabilityReachesTheBARs() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        var position = Int(d.cfgRead(0x34, 1))
        while position != 0, !(d.cfgRead(position, 1) == 9 && d.cfgRead(position + 3, 1) == 5) {
            position = Int(d.cfgRead(position + 1, 1))
        }
        #expect(position != 0)
        d.cfgWrite(position + 4, 1, 4)
        d.cfgWrite(position + 8, 4, 0x14)
        d.cfgWrite(position + 12, 4, 1)
        #expect(d.cfgRead(position + 16, 4) == 0x0F)
        d.cfgWrite(position + 8, 4, 0x2000)
        d.cfgWrite(position + 12, 4, 4)
        #expect(d.cfgRead(position + 16, 4) == EchoDevice.configMagic)
        // Bad length or BAR: reads 0, writes go nowhere.
        d.cfgWrite(position + 12, 4, 3)
        #expect(d.cfgRead(position + 16, 4) == 0)
        d.cfgWrite(position + 4, 1, 9)
        d.cfgWrite(position + 16, 4, 0)
        #expect(d.status == 0x0F)
    }

    @Test func configPortsReachTheSameFunction() throws {
        let f = TransportFixture(.pciINTx)
        let ports = Bus(name: "ioport")
        try ports.register(PCIConfigPorts(bridge: f.bridge!), at: PCIConfigPorts.base, size: PCIConfigPorts.size, name: "pci-cf8")
        let d = VirtioPCIDriver(bus: f.bus, access: .ports(ports), device: TransportFixture.pciSlot, memory: f.memory, msiAddress: nil)
        d.assignBARs(memoryBase: TransportFixture.pciMemoryBase + 0x10_0000)
        try d.initialize(wanted: f.wanted(.packed), queueCount: 2, queueSize: 8, ringBase: TransportFixture.ringBase)
        #expect(d.status == 0x0F)
        #expect(d.features & VirtioFeature.ringPacked != 0)
    }
}
