import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// Device status and feature negotiation (virtio 1.2 §3.1), in the core both transports share,
/// driven through the MMIO registers.
@Suite struct NegotiationTests {
    func mmio(_ device: EchoDevice = EchoDevice(), legacy: Bool = false) -> (TransportFixture, VirtioMMIODriver) {
        let f = TransportFixture(legacy ? .mmioLegacy : .mmio, device: device)
        let d = f.driver as! VirtioMMIODriver
        _ = try? d.probe()
        return (f, d)
    }

    /// ACKNOWLEDGE | DRIVER, then the driver's feature words.
    func begin(_ d: VirtioMMIODriver, features: UInt64) {
        d.write(0x070, 0)
        d.write(0x070, 1)
        d.write(0x070, 3)
        d.write(0x024, 0); d.write(0x020, UInt32(truncatingIfNeeded: features))
        d.write(0x024, 1); d.write(0x020, UInt32(truncatingIfNeeded: features >> 32))
    }

    @Test func offersTheEngineFeaturesAndVersion1() {
        let (f, _) = mmio()
        let offered = f.core.offeredFeatures
        for bit in [VirtioFeature.version1, VirtioFeature.ringPacked, VirtioFeature.eventIndex,
                    VirtioFeature.indirectDescriptors, VirtioFeature.ringReset, EchoDevice.featureUpper] {
            #expect(offered & bit != 0)
        }
        let (legacy, _) = mmio(legacy: true)
        #expect(legacy.core.offeredFeatures >> 32 == 0)
    }

    @Test func featuresOKRefusedForUnofferedBit() {
        let (_, d) = mmio()
        begin(d, features: VirtioFeature.version1 | 1 << 5)
        d.write(0x070, 0x0B)
        #expect(d.status == 0x03)
    }

    @Test func featuresOKRefusedWithoutVersion1() {
        let (_, d) = mmio()
        begin(d, features: VirtioFeature.eventIndex)
        d.write(0x070, 0x0B)
        #expect(d.status & VirtioStatus.featuresOK == 0)
    }

    @Test func featuresOKRefusedWhenTheDeviceCannotDoTheCombination() throws {
        let device = EchoDevice()
        device.refused = VirtioFeature.ringPacked
        let (f, d) = mmio(device)
        begin(d, features: VirtioFeature.version1 | VirtioFeature.ringPacked)
        d.write(0x070, 0x0B)
        #expect(d.status & VirtioStatus.featuresOK == 0)
        #expect(throws: VirtioDriverError.featuresRefused) { try f.initialize(.packed) }
        try f.initialize(.split)
        #expect(f.driver.status == 0x0F)
    }

    @Test func featuresFrozenAfterFeaturesOK() {
        let (f, d) = mmio()
        begin(d, features: VirtioFeature.version1)
        d.write(0x070, 0x0B)
        d.write(0x024, 0); d.write(0x020, 0xFFFF_FFFF)
        #expect(f.core.driverFeatures == VirtioFeature.version1)
    }

    @Test func driverOKWithoutFeaturesOKIsIgnored() {
        let (f, d) = mmio()
        begin(d, features: VirtioFeature.version1)
        d.write(0x070, 0x07)
        #expect(d.status == 0x03)
        #expect(!f.core.isLive)
        #expect(f.device.activations.isEmpty)
    }

    @Test func clearingAStatusBitIsIgnored() {
        let (_, d) = mmio()
        begin(d, features: VirtioFeature.version1)
        d.write(0x070, 0x0B)
        d.write(0x070, 0x09)
        #expect(d.status == 0x0B)
    }

    @Test func writingZeroResetsEverything() throws {
        let (f, d) = mmio()
        try f.initialize(.packed)
        _ = try f.echo(queue: 0, count: 2)
        d.write(0x070, 0)
        #expect(d.status == 0)
        #expect(f.core.driverFeatures == 0)
        #expect(f.device.resets >= 2)
        for q in 0..<2 {
            d.write(0x030, UInt32(q))
            #expect(d.read(0x044) == 0)
            #expect(f.core.queue(q) == QueueConfig(maxSize: 64))
        }
        #expect(d.read(0x060) == 0)
        #expect(!f.intxLevel)
        // Notifications after reset reach nothing.
        let before = f.device.notifications
        d.kick(0)
        #expect(f.device.notifications == before)
    }

    @Test(arguments: TransportKind.allCases)
    func brokenQueueSetsNeedsResetAndInterrupts(kind: TransportKind) throws {
        let f = TransportFixture(kind)
        try f.initialize(kind.formats[0])
        f.messages.clear()
        // A hostile driver: avail index far ahead of anything it added.
        let layout = f.driver.queues[0].layout
        try f.memory.write(UInt16(1000), at: layout.driverArea + 2)
        f.driver.kick(0)
        #expect(f.driver.status & VirtioStatus.deviceNeedsReset != 0)
        if kind == .pciMSIX {
            #expect(f.messages.messages.contains { $0.data == 0 })
        } else {
            #expect(f.driver.interruptCause() & 2 != 0)
        }
        f.driver.reset()
        try f.initialize(kind.formats[0])
        #expect(try f.echo(queue: 0, count: 2) == 2)
    }
}
