import Machine
#if canImport(Glibc)
import Glibc
#endif
import Testing
import Virtio
import VirtioDriver
@testable import Devices

/// virtio-net over a loopback backend: the device's own work, without slirp.
@Suite struct NetDeviceTests {
    func makeRig(options: HarnessVariant, driverFeatures: UInt64 = .max) throws -> (NetRig<LoopbackBackend>, EventLoop) {
        let loop = try EventLoop(clock: .host())
        loop.start()
        let backend = LoopbackBackend(eventLoop: loop)
        let rig = try NetRig(device: NetDevice(backend: backend), options: options, driverFeatures: driverFeatures)
        return (rig, loop)
    }

    static let sampleFrame = Packet.tcp(to: Packet.gatewayIP, sourcePort: 1000, destinationPort: 80, seq: 1, ack: 0,
                                        flags: Packet.tcpSYN, [UInt8](repeating: 0xAB, count: 100))

    @Test func configHoldsMACStatusAndMTU() throws {
        let loop = try EventLoop(clock: .host())
        let device = NetDevice(backend: LoopbackBackend(eventLoop: loop))
        #expect(device.deviceID == .net)
        #expect(device.configSize == 12)
        #expect((0..<6).map { device.readConfig(offset: $0, size: 1) } == [0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
        #expect(device.readConfig(offset: 6, size: 2) == 1)        // LINK_UP
        #expect(device.readConfig(offset: 10, size: 2) == 1500)    // MTU
        #expect(device.readConfig(offset: 0, size: 4) == 0x1200_5452)
        let features = device.deviceFeatures
        for bit in [0, 1, 3, 5, 15, 16] { #expect(features & (1 << UInt64(bit)) != 0) }
        #expect(features & (1 << 11) == 0)     // no HOST_TSO4: no segmentation offload
        let custom = NetDevice(backend: LoopbackBackend(eventLoop: loop), mac: [0x02, 1, 2, 3, 4, 5])
        #expect(custom.readConfig(offset: 0, size: 2) == 0x0102)
        custom.writeConfig(offset: 6, size: 2, value: 0)
        #expect(custom.readConfig(offset: 6, size: 2) == 1)
    }

    @Test(arguments: [HarnessTransport.mmioLegacy, .mmio, .pci])
    func onlyALegacyDriverWritesTheMAC(transport: HarnessTransport) throws {
        let (rig, loop) = try makeRig(options: HarnessVariant(transport: transport), driverFeatures: NetFeature.mac)
        defer { loop.stop() }
        let h = rig.harness
        h.writeConfig(UInt32(0x0403_0202), at: 0)
        h.writeConfig(UInt32(0xFFFF_0605), at: 4)   // status half is read-only
        let expected: [UInt8] = transport == .mmioLegacy ? [0x02, 0x02, 0x03, 0x04, 0x05, 0x06] : [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]
        #expect((0..<6).map { h.readConfig(UInt8.self, at: $0) } == expected)
        #expect(h.readConfig(UInt16.self, at: 6) == 1)
        h.reset()
        #expect(h.readConfig(UInt8.self, at: 0) == 0x52)
    }

    @Test(arguments: HarnessVariant.all)
    func transmitStripsTheHeaderAndCompletesChecksums(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        let backend = rig.device.backend
        try rig.send(Self.sampleFrame)
        let offloaded = Packet.tcp(to: Packet.gatewayIP, sourcePort: 1000, destinationPort: 80, seq: 7, ack: 9,
                                   flags: Packet.tcpACK, Array("odd".utf8), offload: true)
        try rig.send(offloaded, header: rig.checksumHeader(start: 34, offset: 16))
        try rig.waitTransmitted(2)
        backend.settle()
        let sent = backend.sent
        try #require(sent.count == 2)
        #expect(sent[0] == Self.sampleFrame)
        let expected = Packet.tcp(to: Packet.gatewayIP, sourcePort: 1000, destinationPort: 80, seq: 7, ack: 9,
                                  flags: Packet.tcpACK, Array("odd".utf8))
        #expect(sent[1] == expected)
        #expect(rig.device.metrics.txFrames == 2)
        #expect(rig.harness.usedInterrupts(queue: 1) > 0)
    }

    @Test(arguments: HarnessVariant.all)
    func badTransmitFramesAreDroppedAndCounted(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        try rig.send([UInt8](repeating: 1, count: 1600))                           // larger than MTU
        try rig.send([UInt8](repeating: 1, count: 10))                             // shorter than Ethernet
        try rig.send(Self.sampleFrame, header: [1, 0, 0, 0, 0, 0, 0x10, 0x27, 0, 0, 0, 0])   // csum_start past the end
        try rig.send(Self.sampleFrame, header: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])        // GSO not offered
        // A transmit chain holding only writable buffers, then a good frame.
        try #require(rig.harness.addWritable(queue: 1, lengths: [64]) != nil)
        try rig.send(Self.sampleFrame)
        try rig.waitTransmitted(6)
        rig.device.backend.settle()
        let metrics = rig.device.metrics
        #expect(metrics.txOversized == 1)
        #expect(metrics.txMalformed == 4)
        #expect(metrics.txFrames == 1)
        #expect(rig.device.backend.sent == [Self.sampleFrame])
        #expect(!rig.harness.needsReset)
    }

    @Test(arguments: HarnessVariant.all)
    func framesWaitForBuffersInABoundedQueue(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        let backend = rig.device.backend
        let frames = (0..<300).map { i in Packet.ethernet(to: Packet.guestMAC, from: Packet.gatewayMAC, type: 0x88B5,
                                                           [UInt8(i & 0xFF), UInt8(i >> 8)] + [UInt8](repeating: 0, count: 60)) }
        backend.inject(frames)
        #expect(rig.device.metrics.rxQueueFull == UInt64(300 - NetLimits.waitQueueCapacity))
        try rig.postReceive(count: 32)
        for i in 0..<NetLimits.waitQueueCapacity {
            let received = try #require(try rig.receive())
            #expect(received.frame == frames[i])
            #expect(received.header[0] == NetHeader.dataValid)
            #expect(received.header[1] == 0)
        }
        #expect(try rig.receive(timeout: 0.05) == nil)
        #expect(rig.device.metrics.rxFrames == UInt64(NetLimits.waitQueueCapacity))
        // Frames received while buffers are posted go straight through.
        backend.inject([frames[299]])
        #expect(try rig.receive()?.frame == frames[299])
    }

    @Test(arguments: HarnessVariant.all)
    func mergeableBuffersCarryOneFrameOverSeveralChains(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        let frame = Packet.ethernet(to: Packet.guestMAC, from: Packet.gatewayMAC, type: 0x88B5,
                                    (0..<1400).map { UInt8($0 & 0xFF) })
        // Two small chains first: the frame starts in them and waits for a third.
        try rig.postReceive(count: 2, size: 512)
        rig.device.backend.inject([frame])
        #expect(rig.harness.takeUsed(queue: 0) == nil)       // nothing published part-way
        try rig.postReceive(count: 1, size: 512)
        let received = try #require(try rig.receive())
        #expect(received.frame == frame)
        #expect(received.header[10] == 3)
        #expect(rig.device.metrics.rxFrames == 1)
    }

    @Test(arguments: HarnessVariant.all)
    func withoutMergeableAFrameMustFitOneChain(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options, driverFeatures: ~NetFeature.mergeableRxBuffers)
        defer { loop.stop() }
        let frame = Packet.ethernet(to: Packet.guestMAC, from: Packet.gatewayMAC, type: 0x88B5, [UInt8](repeating: 7, count: 1000))
        try rig.postReceive(count: 1, size: 512)
        rig.device.backend.inject([frame])
        let small = try #require(rig.harness.nextUsed(queue: 0))
        #expect(small.length == 0)
        #expect(rig.device.metrics.rxTooLarge == 1)
        // A chain of two buffers (header, then data), as Linux's big-packet mode posts.
        try #require(rig.harness.addWritable(queue: 0, lengths: [12, 1514]) != nil)
        rig.device.backend.inject([frame])
        let used = try #require(rig.harness.nextUsed(queue: 0))
        let bytes = try rig.harness.written(used)
        #expect(Array(bytes.dropFirst(12)) == frame)
        #expect(bytes[10] == 1)   // num_buffers is 1 for a VERSION_1 driver
    }

    @Test(arguments: HarnessVariant.all)
    func unusableReceiveChainsComeBackEmpty(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        try #require(try rig.harness.addReadable(queue: 0, [UInt8](repeating: 0, count: 64)) != nil)
        try #require(rig.harness.addWritable(queue: 0, lengths: [8]) != nil)
        try rig.postReceive(count: 1)
        let frame = Packet.ethernet(to: Packet.guestMAC, from: Packet.gatewayMAC, type: 0x88B5, [UInt8](repeating: 3, count: 50))
        rig.device.backend.inject([frame])
        for _ in 0..<2 { #expect(try #require(rig.harness.nextUsed(queue: 0)).length == 0) }
        let used = try #require(rig.harness.nextUsed(queue: 0))
        #expect(Array(try rig.harness.written(used).dropFirst(12)) == frame)
        #expect(rig.device.metrics.rxBadBuffers == 2)
        #expect(!rig.harness.needsReset)
    }

    @Test(arguments: HarnessVariant.all)
    func aBadChainInsideAMergeableFrameCountsAsOneOfItsBuffers(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        try rig.postReceive(count: 1, size: 512)
        try #require(try rig.harness.addReadable(queue: 0, [UInt8](repeating: 0, count: 64)) != nil)
        try rig.postReceive(count: 2, size: 512)
        let frame = Packet.ethernet(to: Packet.guestMAC, from: Packet.gatewayMAC, type: 0x88B5,
                                    (0..<1200).map { UInt8($0 % 251) })
        rig.device.backend.inject([frame])
        let received = try #require(try rig.receive())
        #expect(received.header[10] == 4)
        #expect(received.frame == frame)
        #expect(rig.device.metrics.rxBadBuffers == 1)
    }

    @Test(arguments: HarnessVariant.basic.filter { !$0.packed })
    func aCorruptRingAsksForAReset(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        // The transmit queue's available index jumps past the queue size.
        let availIndex = rig.harness.drivers[1].layout.driverArea + 2
        try rig.harness.memory.write(UInt16(1000), at: availIndex)
        rig.harness.kick(1)
        #expect(rig.harness.waitNeedsReset())
        #expect(rig.harness.configInterrupts == 1)
        // Receiving still works on the other queue.
        try rig.postReceive(count: 1)
        let frame = Packet.ethernet(to: Packet.guestMAC, from: Packet.gatewayMAC, type: 0x88B5, [UInt8](repeating: 9, count: 40))
        rig.device.backend.inject([frame])
        #expect(try rig.receive()?.frame == frame)
    }

    @Test(arguments: HarnessVariant.basic)
    func resetStopsDeliveryAndDropsWaitingFrames(options: HarnessVariant) throws {
        let (rig, loop) = try makeRig(options: options)
        defer { loop.stop() }
        let frame = Packet.ethernet(to: Packet.guestMAC, from: Packet.gatewayMAC, type: 0x88B5, [UInt8](repeating: 3, count: 50))
        rig.device.backend.inject([frame, frame])
        rig.harness.reset()
        try rig.postReceive(count: 4)
        rig.device.backend.inject([frame])
        #expect(rig.harness.nextUsed(queue: 0, timeout: 0.05) == nil)
        #expect(rig.device.metrics.rxNotReady == 1)
    }
}
