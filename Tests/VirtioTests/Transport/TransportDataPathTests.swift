import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// One device, written once, behind every transport and ring format: the Linux-like driver
/// initializes it, moves data on both queues, resets and initializes again.
@Suite struct TransportDataPathTests {
    @Test(arguments: TransportKind.allCases)
    func negotiatesEachFormatMovesDataResetsAndReinitializes(kind: TransportKind) throws {
        let f = TransportFixture(kind)
        let rounds = kind.formats + [kind.formats[0]]
        for (round, format) in rounds.enumerated() {
            try f.initialize(format)
            let expectedStatus: UInt8 = kind == .mmioLegacy ? 0x07 : 0x0F
            #expect(f.driver.status == expectedStatus)
            #expect((f.driver.features & VirtioFeature.ringPacked != 0) == (format == .packed))
            #expect(f.device.activations.count == round + 1)
            #expect(f.device.activations.last == f.driver.features)
            for queue in 0..<2 {
                #expect(try f.echo(queue: queue, count: 6, seed: UInt8(round * 2 + queue)) == 6)
                #expect(f.takeUsedInterrupt(queue: queue), "\(kind) \(format) queue \(queue): no interrupt")
            }
            // A second batch on the same rings, past the first batch's indices.
            #expect(try f.echo(queue: 0, count: 10, seed: 99) == 10)
            f.driver.reset()
            #expect(f.driver.status == 0)
            #expect(f.device.queues.isEmpty)
            #expect(!f.core.isLive)
        }
        #expect(f.device.echoed == rounds.count * 22)
    }

    /// Every transport and format, with and without EVENT_IDX and INDIRECT_DESC.
    @Test(arguments: TransportKind.allCases, 0..<4)
    func featureCombinationsMoveData(kind: TransportKind, mask: Int) throws {
        let f = TransportFixture(kind)
        let dropped = (mask & 1 != 0 ? VirtioFeature.eventIndex : 0) | (mask & 2 != 0 ? VirtioFeature.indirectDescriptors : 0)
        for format in kind.formats {
            try f.driver.initialize(wanted: f.wanted(format) & ~dropped, queueCount: 2, queueSize: 8,
                                    ringBase: TransportFixture.ringBase)
            #expect(f.driver.features & dropped == 0)
            // Two-descriptor chains fill the 8-entry ring when INDIRECT_DESC is off; several
            // rounds take ring positions (and the packed wrap counters) around.
            for round in 0..<6 {
                #expect(try f.echo(queue: round % 2, count: 4, seed: UInt8(round)) == 4)
            }
            f.driver.reset()
        }
    }

    @Test(arguments: TransportKind.allCases.filter { $0 != .mmioLegacy })
    func ringOptionDecidesWhatIsOffered(kind: TransportKind) throws {
        let splitOnly = TransportFixture(kind, ringFormat: .split)
        #expect(splitOnly.core.offeredFeatures & VirtioFeature.ringPacked == 0)
        try splitOnly.initialize(.packed)
        #expect(splitOnly.driver.features & VirtioFeature.ringPacked == 0)
        #expect(try splitOnly.echo(queue: 0, count: 3) == 3)

        let packed = TransportFixture(kind, ringFormat: .packed)
        try packed.initialize(.packed)
        #expect(packed.driver.features & VirtioFeature.ringPacked != 0)
        #expect(try packed.echo(queue: 1, count: 3) == 3)
    }

    @Test(arguments: TransportKind.allCases)
    func configSpaceReadsWritesAndGeneration(kind: TransportKind) throws {
        let f = TransportFixture(kind)
        try f.initialize(kind.formats[0])
        #expect(f.driver.readConfig(offset: 0, size: 4) == UInt64(EchoDevice.configMagic))
        #expect(f.driver.readConfig(offset: 0, size: 1) == UInt64(EchoDevice.configMagic & 0xFF))
        f.driver.writeConfig(offset: 4, size: 4, value: 0x1234_5678)
        #expect(f.device.scratch == 0x1234_5678)
        #expect(f.driver.readConfig(offset: 0, size: 8) == 0x1234_5678_0000_0000 | UInt64(EchoDevice.configMagic))
        // Read-only field.
        f.driver.writeConfig(offset: 0, size: 4, value: 0)
        #expect(f.driver.readConfig(offset: 0, size: 4) == UInt64(EchoDevice.configMagic))
        // Past the end of config space.
        #expect(f.driver.readConfig(offset: 8, size: 4) == 0)

        let generation = f.core.configGeneration
        _ = f.driver.interruptCause()
        f.messages.clear()
        f.device.changeMagic(7)
        #expect(f.core.configGeneration == generation &+ 1)
        #expect(f.driver.readConfig(offset: 0, size: 4) == 7)
        if kind == .pciMSIX {
            #expect(f.messages.messages == [MSIMessage(address: TransportFixture.msiAddress, data: 0)])
        } else {
            #expect(f.intxLevel)
            #expect(f.driver.interruptCause() & 2 != 0)
            #expect(!f.intxLevel)
        }
        if let d = f.driver as? VirtioMMIODriver, kind == .mmio { #expect(d.configGeneration == generation &+ 1) }
        if let d = f.driver as? VirtioPCIDriver { #expect(d.configGeneration == UInt8(truncatingIfNeeded: generation &+ 1)) }
    }

    @Test(arguments: TransportKind.allCases.filter { $0 != .mmioLegacy }, [VirtioRingFormat.split, .packed])
    func queueResetRestartsOneQueue(kind: TransportKind, format: VirtioRingFormat) throws {
        let f = TransportFixture(kind)
        try f.initialize(format, extra: VirtioFeature.ringReset)
        #expect(f.driver.features & VirtioFeature.ringReset != 0)
        #expect(try f.echo(queue: 0, count: 2) == 2)
        let ringBase = TransportFixture.ringBase + 0x8_0000
        let fresh = try GuestDriver(memory: f.memory, size: 8, features: f.driver.features, base: ringBase)
        let layout = fresh.layout
        if let mmio = f.driver as? VirtioMMIODriver {
            mmio.write(0x030, 0)
            mmio.write(0x0C0, 1)
            #expect(mmio.read(0x0C0) == 1)
            #expect(mmio.read(0x044) == 0)
            mmio.write(0x038, 8)
            mmio.write(0x080, UInt32(truncatingIfNeeded: layout.descriptorArea)); mmio.write(0x084, 0)
            mmio.write(0x090, UInt32(truncatingIfNeeded: layout.driverArea)); mmio.write(0x094, 0)
            mmio.write(0x0A0, UInt32(truncatingIfNeeded: layout.deviceArea)); mmio.write(0x0A4, 0)
            mmio.write(0x044, 1)
            #expect(mmio.read(0x0C0) == 0)
        } else if let pci = f.driver as? VirtioPCIDriver {
            let bus = f.bus, common = pci.common
            bus.write(common + 0x16, size: 2, value: 0)
            bus.write(common + 0x3A, size: 2, value: 1)
            #expect(bus.read(common + 0x3A, size: 2) == 1)
            #expect(bus.read(common + 0x1C, size: 2) == 0)
            bus.write(common + 0x18, size: 2, value: 8)
            bus.write(common + 0x20, size: 8, value: layout.descriptorArea)
            bus.write(common + 0x28, size: 8, value: layout.driverArea)
            bus.write(common + 0x30, size: 8, value: layout.deviceArea)
            bus.write(common + 0x1C, size: 2, value: 1)
            #expect(bus.read(common + 0x3A, size: 2) == 0)
        }
        let buffers = [GuestBuffer(address: TransportFixture.dataBase, length: 4, deviceWritable: false),
                       GuestBuffer(address: TransportFixture.dataBase + 0x100, length: 16, deviceWritable: true)]
        try f.memory.write([9, 8, 7, 6], at: TransportFixture.dataBase)
        #expect(buffers.withUnsafeBufferPointer { fresh.add($0, token: 42) })
        f.driver.kick(0)
        #expect(fresh.getBuf() == UsedBuffer(token: 42, length: 4))
        #expect(try f.memory.bytes(at: TransportFixture.dataBase + 0x100, count: 4) == [9, 8, 7, 6])
        // The other queue kept running.
        #expect(try f.echo(queue: 1, count: 2) == 2)
    }
}
