import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

@Suite struct ActivationTests {
    func config(packed: Bool, size: UInt16, maxSize: UInt16 = 32768) -> QueueConfig {
        let layout = DriverLayout(base: Rig.ringBase, size: Int(size), packed: packed, maxSegments: 1)
        var c = QueueConfig(maxSize: maxSize, features: packed ? VirtioFeature.ringPacked : 0)
        c.size = size
        c.descriptorArea = layout.descriptorArea
        c.driverArea = layout.driverArea
        c.deviceArea = layout.deviceArea
        c.ready = true
        return c
    }

    @Test func sizesFollowEachFormatsRules() throws {
        let memory = Rig.memory()
        for size: UInt16 in [1, 2, 256, 32768] {
            #expect(try config(packed: false, size: size).activate(memory: memory).size == Int(size))
        }
        for size: UInt16 in [1, 3, 255, 1000, 32768] {
            #expect(try config(packed: true, size: size).activate(memory: memory).size == Int(size))
        }
        #expect(throws: VirtqueueError.invalidQueueSize) { try config(packed: false, size: 3).activate(memory: memory) }
        #expect(throws: VirtqueueError.invalidQueueSize) { try config(packed: true, size: 0).activate(memory: memory) }
        #expect(throws: VirtqueueError.invalidQueueSize) { try config(packed: true, size: 32769).activate(memory: memory) }
        #expect(throws: VirtqueueError.invalidQueueSize) { try config(packed: false, size: 512, maxSize: 256).activate(memory: memory) }
    }

    @Test func refusesMisalignedOrOutsideRings() {
        let memory = Rig.memory()
        for packed in [false, true] {
            var c = config(packed: packed, size: 8)
            c.descriptorArea += 8
            #expect(throws: VirtqueueError.misalignedRing) { try c.activate(memory: memory) }
            c = config(packed: packed, size: 8)
            c.deviceArea += 2
            #expect(throws: VirtqueueError.misalignedRing) { try c.activate(memory: memory) }
            c = config(packed: packed, size: 8)
            c.deviceArea = Rig.ramBase + Rig.ramSize - 4 * (packed ? 0 : 1)
            #expect(throws: VirtqueueError.ringOutsideRAM) { try c.activate(memory: memory) }
            c = config(packed: packed, size: 8)
            c.driverArea = UInt64.max - 1
            #expect(throws: VirtqueueError.self) { try c.activate(memory: memory) }
            c = config(packed: packed, size: 8)
            c.ready = false
            #expect(throws: VirtqueueError.queueNotReady) { try c.activate(memory: memory) }
        }
    }

    @Test func everyErrorHasItsMessage() {
        let all: [VirtqueueError] = [.invalidQueueSize, .misalignedRing, .ringOutsideRAM, .queueNotReady, .bufferOutsideRAM,
                                     .descriptorIndexOutOfRange, .chainTooLong, .chainTooLongInRing, .chainTooLarge,
                                     .indirectNotNegotiated, .nestedIndirect, .indirectWithNext, .invalidIndirectTableLength,
                                     .readableAfterWritable, .availIndexTooFarAhead, .headIndexOutOfRange, .tooManyInFlight,
                                     .bufferIDOutOfRange, .bufferIDInFlight, .queueBroken, .notInFlight]
        #expect(Set(all.map(\.description)).count == all.count)
    }
}

@Suite struct DeviceAPITests {
    /// A chain of three buffers: 6 readable bytes split 2 + 4, then 8 writable bytes.
    @Test(arguments: [false, true], [false, true])
    func gatherAndScatterWalkTheWholeChain(packed: Bool, indirect: Bool) throws {
        let memory = Rig.memory()
        var features = VirtioFeature.version1
        if packed { features |= VirtioFeature.ringPacked }
        if indirect { features |= VirtioFeature.indirectDescriptors }
        let driver = try GuestDriver(memory: memory, size: 4, features: features, base: Rig.ringBase)
        var queue = try driver.queueConfig.activate(memory: memory)
        let a = Rig.dataBase, b = Rig.dataBase + 0x100, c = Rig.dataBase + 0x200
        try memory.write([1, 2], at: a)
        try memory.write([3, 4, 5, 6], at: b)
        let buffers = [GuestBuffer(address: a, length: 2, deviceWritable: false),
                       GuestBuffer(address: b, length: 4, deviceWritable: false),
                       GuestBuffer(address: c, length: 8, deviceWritable: true)]
        #expect(buffers.withUnsafeBufferPointer { driver.add($0, token: 7) })
        guard var chain = try queue.pop() else { Issue.record("no chain"); return }
        var request = [UInt8](repeating: 0, count: 16)
        let got = try request.withUnsafeMutableBytes { try chain.read(into: $0) }
        #expect(got == 6)
        #expect(Array(request[0..<6]) == [1, 2, 3, 4, 5, 6])
        let reply: [UInt8] = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
        let put = try reply.withUnsafeBytes { try chain.write($0) }
        #expect(put == 8)
        #expect(try memory.bytes(at: c, count: 8) == [9, 8, 7, 6, 5, 4, 3, 2])
        try queue.push(chain, written: UInt32(put))
        let interrupt = queue.needsInterrupt()
        #expect(interrupt)
        #expect(driver.getBuf() == UsedBuffer(token: 7, length: 8))
        #expect(throws: VirtqueueError.notInFlight) { try queue.push(chain, written: 0) }
    }

    /// With IN_ORDER, a run of chains completed in order with nothing written takes one used
    /// entry, and the driver model still returns every buffer once.
    @Test(arguments: [false, true])
    func inOrderBatchesShareOneUsedEntry(packed: Bool) throws {
        let memory = Rig.memory()
        let features = VirtioFeature.version1 | VirtioFeature.inOrder | (packed ? VirtioFeature.ringPacked : 0)
        let driver = try GuestDriver(memory: memory, size: 8, features: features, base: Rig.ringBase)
        var queue = try driver.queueConfig.activate(memory: memory)
        let one = [GuestBuffer(address: Rig.dataBase, length: 16, deviceWritable: false)]
        for t in 0..<5 as Range<UInt32> { #expect(one.withUnsafeBufferPointer { driver.add($0, token: t) }) }
        var chains: [DescriptorChain] = []
        while let c = try queue.pop() { chains.append(c) }
        #expect(chains.count == 5)
        for c in chains { try queue.push(c, written: 0) }
        queue.publish()
        if packed {
            // One used descriptor at position 0 naming the last buffer; nothing at position 1.
            let d = driver.layout.descriptorArea
            #expect(try memory.read(UInt16.self, at: d + 12) == chains[4].head)
            #expect(try memory.read(UInt16.self, at: d + 16 + 14) & RingLayout.packedUsed == 0)
        } else {
            #expect(try memory.read(UInt16.self, at: driver.layout.deviceArea + 2) == 1)
            #expect(try memory.read(UInt32.self, at: driver.layout.deviceArea + 4) == UInt32(chains[4].head))
        }
        var tokens: [UInt32] = []
        while let u = driver.getBuf() { tokens.append(u.token); #expect(u.length == 0) }
        #expect(tokens == [0, 1, 2, 3, 4])
        #expect(driver.violation == nil)
    }

    @Test(arguments: [false, true])
    func detachUnusedReturnsWhatTheDeviceNeverCompleted(packed: Bool) throws {
        let memory = Rig.memory()
        let features = VirtioFeature.version1 | (packed ? VirtioFeature.ringPacked : 0)
        let driver = try GuestDriver(memory: memory, size: 8, features: features, base: Rig.ringBase)
        var queue = try driver.queueConfig.activate(memory: memory)
        let one = [GuestBuffer(address: Rig.dataBase, length: 16, deviceWritable: true)]
        for t in 0..<3 as Range<UInt32> { #expect(one.withUnsafeBufferPointer { driver.add($0, token: t) }) }
        let first = try queue.pop()!
        try queue.push(first, written: 16)
        _ = queue.needsInterrupt()
        #expect(driver.getBuf() == UsedBuffer(token: 0, length: 16))
        #expect(driver.detachUnused() == [1, 2])
        #expect(driver.freeDescriptors == 8)
    }
}
