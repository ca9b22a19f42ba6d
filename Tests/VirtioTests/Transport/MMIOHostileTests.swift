import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// Hostile register sequences on virtio-mmio: each gets the defined behaviour, none crashes.
@Suite struct MMIOHostileTests {
    func fixture(legacy: Bool = false) -> (TransportFixture, VirtioMMIODriver) {
        let f = TransportFixture(legacy ? .mmioLegacy : .mmio)
        let d = f.driver as! VirtioMMIODriver
        _ = try? d.probe()
        return (f, d)
    }

    @Test func identificationRegisters() {
        let (_, d) = fixture()
        #expect(d.read(0x000) == 0x7472_6976)
        #expect(d.read(0x004) == 2)
        #expect(d.read(0x008) == VirtioDeviceID.entropy.rawValue)
        let (_, legacy) = fixture(legacy: true)
        #expect(legacy.read(0x004) == 1)
    }

    @Test(arguments: [false, true])
    func queueSetupBeforeFeaturesOKIsIgnored(legacy: Bool) {
        let (f, d) = fixture(legacy: legacy)
        d.write(0x070, 1) // ACKNOWLEDGE only
        d.write(0x030, 0)
        d.write(0x038, 8)
        if legacy {
            d.write(0x040, 0x80100)
            #expect(d.read(0x040) == 0)
        } else {
            d.write(0x080, 0x8010_0000)
            d.write(0x044, 1)
            #expect(d.read(0x044) == 0)
        }
        #expect(f.core.queue(0) == QueueConfig(maxSize: 64))
    }

    @Test(arguments: [false, true])
    func queueOutsideRAMNeedsReset(legacy: Bool) throws {
        let (f, d) = fixture(legacy: legacy)
        d.write(0x070, 0); d.write(0x070, 1); d.write(0x070, 3)
        if !legacy {
            d.write(0x024, 1); d.write(0x020, 1) // VERSION_1
            d.write(0x070, 0x0B)
        }
        d.write(0x030, 0)
        d.write(0x038, 16)
        if legacy {
            d.write(0x03C, 4096)
            d.write(0x040, 0x0010_0000) // 4 GiB: no RAM there
        } else {
            d.write(0x080, 0); d.write(0x084, 0x10) // 64 GiB
            d.write(0x090, 0); d.write(0x094, 0x10)
            d.write(0x0A0, 0); d.write(0x0A4, 0x10)
            d.write(0x044, 1)
        }
        d.write(0x070, UInt32(d.status | VirtioStatus.driverOK))
        #expect(d.status & VirtioStatus.deviceNeedsReset != 0)
        #expect(f.device.activations.isEmpty)
        #expect(f.intxLevel)
        #expect(d.interruptCause() == 2)
        d.kick(0)
        #expect(f.device.notifications == 0)
        // Reset clears DEVICE_NEEDS_RESET and the device works again.
        try f.initialize(.split)
        #expect(d.status & VirtioStatus.deviceNeedsReset == 0)
        #expect(try f.echo(queue: 0, count: 3) == 3)
    }

    @Test func legacyPFNWithoutPageSizeFailsActivation() {
        let (f, d) = fixture(legacy: true)
        d.write(0x028, 0)
        d.write(0x070, 1); d.write(0x070, 3)
        d.write(0x030, 0)
        d.write(0x038, 16)
        d.write(0x040, 0x80100)
        d.write(0x070, 7)
        #expect(d.status & VirtioStatus.deviceNeedsReset != 0)
        #expect(f.device.activations.isEmpty)
    }

    @Test func legacyPageSizeSurvivesReset() throws {
        let (f, d) = fixture(legacy: true)
        d.write(0x070, 0)
        try f.initialize(.split)
        #expect(try f.echo(queue: 1, count: 4) == 4)
        let layout = f.driver.queues[0].layout
        d.write(0x030, 0)
        #expect(UInt64(d.read(0x040)) * 4096 == layout.descriptorArea)
    }

    @Test(arguments: [false, true])
    func queueSelectOutOfRange(legacy: Bool) throws {
        let (f, d) = fixture(legacy: legacy)
        try f.initialize(.split)
        d.write(0x030, 2)
        #expect(d.read(0x034) == 0)
        d.write(0x030, 0xFFFF_FFFF)
        #expect(d.read(0x034) == 0)
        d.write(0x038, 4)
        d.write(legacy ? 0x040 : 0x044, 1)
        #expect(d.read(legacy ? 0x040 : 0x044) == 0)
        d.write(0x050, 2)
        d.write(0x050, 0xFFFF_FFFF)
        #expect(f.device.notifications == 0)
        #expect(try f.echo(queue: 0, count: 2) == 2)
    }

    @Test func writesToReadOnlyRegistersAreIgnored() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        let rejectedBefore = f.mmio!.rejectedAccesses
        for offset: UInt64 in [0x000, 0x004, 0x008, 0x00C, 0x010, 0x034, 0x060, 0x0B0, 0x0FC] {
            d.write(offset, 0xDEAD_BEEF)
        }
        #expect(f.mmio!.rejectedAccesses == rejectedBefore + 9)
        #expect(d.read(0x000) == 0x7472_6976)
        #expect(d.read(0x004) == 2)
        #expect(d.read(0x008) == 4)
        d.write(0x030, 0)
        #expect(d.read(0x034) == 64)
        #expect(d.read(0x060) == 0)
        #expect(try f.echo(queue: 0, count: 1) == 1)
    }

    @Test func oddWidthsAndReservedOffsetsAreRefused() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        let base = TransportFixture.mmioBase
        let before = f.mmio!.rejectedAccesses
        // Narrow, wide and unaligned accesses to control registers.
        #expect(f.bus.read(base + 0x000, size: 1) == 0)
        #expect(f.bus.read(base + 0x000, size: 2) == 0)
        #expect(f.bus.read(base + 0x000, size: 8) == 0)
        #expect(f.bus.read(base + 0x002, size: 4) == 0)
        f.bus.write(base + 0x070, size: 1, value: 0)
        f.bus.write(base + 0x070, size: 8, value: 0)
        f.bus.write(base + 0x071, size: 4, value: 0)
        #expect(d.status == 0x0F)
        // Reserved offsets, and legacy-only registers on version 2.
        #expect(d.read(0x018) == 0)
        #expect(d.read(0x0F0) == 0)
        d.write(0x0F0, 1)
        d.write(0x028, 4096)
        d.write(0x040, 1)
        // Write-only registers read 0.
        #expect(d.read(0x050) == 0)
        #expect(d.read(0x064) == 0)
        #expect(f.mmio!.rejectedAccesses == before + 14)
        // Config space: unaligned access refused, byte access fine.
        #expect(f.bus.read(base + 0x101, size: 2) == 0)
        #expect(f.bus.read(base + 0x101, size: 1) == UInt64(EchoDevice.configMagic >> 8 & 0xFF))
        #expect(f.bus.read(base + 0x1FC, size: 4) == 0)
        #expect(try f.echo(queue: 0, count: 1) == 1)
    }

    @Test func sharedMemoryRegistersAnswerNone() {
        let (_, d) = fixture()
        for id: UInt32 in [0, 1, 255] {
            d.write(0x0AC, id)
            #expect(d.read(0x0B0) == 0xFFFF_FFFF)
            #expect(d.read(0x0B4) == 0xFFFF_FFFF)
        }
    }

    @Test func interruptAcknowledgeClearsOnlyTheWrittenBits() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        _ = try f.echo(queue: 0, count: 1)
        f.device.changeMagic(1)
        #expect(d.read(0x060) == 3)
        d.write(0x064, 1)
        #expect(d.read(0x060) == 2)
        #expect(f.intxLevel)
        d.write(0x064, 2)
        #expect(d.read(0x060) == 0)
        #expect(!f.intxLevel)
    }

    @Test func queueResetWithoutTheFeatureIsIgnored() throws {
        let (f, d) = fixture()
        try f.initialize(.split)
        #expect(f.driver.features & VirtioFeature.ringReset == 0)
        d.write(0x030, 0)
        d.write(0x0C0, 1)
        #expect(d.read(0x0C0) == 0)
        #expect(d.read(0x044) == 1)
        #expect(try f.echo(queue: 0, count: 2) == 2)
    }
}

@Suite struct MMIODeviceTreeTests {
    @Test func nodeDescribesTheTransport() {
        #expect(VirtioMMIOTransport.deviceTreeNodeName(base: 0xA00_0200) == "virtio_mmio@a000200")
        let properties = VirtioMMIOTransport.deviceTreeProperties(base: 0xA00_0200, interruptParent: 0x8002,
                                                                  interrupts: [0, 17, 1], dmaCoherent: true)
        let node = DeviceTreeNode(name: "n", properties: properties)
        #expect(node[property: "compatible"]?.string == "virtio,mmio")
        #expect(node[property: "reg"]?.u32s == [0, 0xA00_0200, 0, 0x200])
        #expect(node[property: "interrupts"]?.u32s == [0, 17, 1])
        #expect(node[property: "interrupt-parent"]?.u32 == 0x8002)
        #expect(node[property: "dma-coherent"] != nil)
    }
}
