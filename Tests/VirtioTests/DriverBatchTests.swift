import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// The driver model's batch forms (`add(_:count:firstToken:)`, `reclaim(max:_:)`), which the
/// benchmark uses, must leave the rings and the driver exactly as the one-at-a-time calls do.
@Suite struct DriverBatchTests {
    /// Two drivers on separate guest RAM, one fed batches and one single calls, against two
    /// queues served alike (in order, then out of order unless IN_ORDER is negotiated), through
    /// several ring laps and a full ring: same ring bytes, same buffers back, same state.
    @Test(arguments: 0..<16)
    func batchesMatchSingleCalls(configuration: Int) throws {
        let twins = try TwinRings(configuration: configuration)
        let drivers = twins.drivers, features = twins.features
        var token: UInt32 = 0
        for round in 0..<40 {
            let chain = twins.chain(round % 3 + 1)
            let wanted = round % 7 + 1
            let batched = drivers[0].add(chain, count: wanted, firstToken: token)
            var single = 0
            while single < wanted, drivers[1].add(chain, token: token &+ UInt32(single)) { single += 1 }
            #expect(batched == single, "round \(round)")
            token &+= UInt32(batched)
            #expect(drivers[0].kickPrepare() == drivers[1].kickPrepare(), "round \(round)")

            for q in 0..<2 {
                var held: [UsedToken] = []
                while var chain = try twins.queues[q].pop() {
                    _ = try chain.measure()
                    held.append(chain.token)
                }
                let reverse = round % 2 == 1 && features & VirtioFeature.inOrder == 0
                for t in reverse ? held.reversed() : held { try twins.queues[q].push(t, written: 100) }
                _ = twins.queues[q].needsInterrupt()
            }
            var fromBatch: [UsedBuffer] = []
            let reclaimed = drivers[0].reclaim(max: round % 4 == 0 ? 2 : .max) { fromBatch.append($0) }
            var fromSingle: [UsedBuffer] = []
            while fromSingle.count < (round % 4 == 0 ? 2 : .max), let b = drivers[1].getBuf() { fromSingle.append(b) }
            #expect(reclaimed == fromBatch.count)
            #expect(fromBatch == fromSingle, "round \(round)")
            #expect(drivers[0].inFlight == drivers[1].inFlight && drivers[0].freeDescriptors == drivers[1].freeDescriptors)
            let rings = try twins.ringBytes()
            #expect(rings[0] == rings[1], "round \(round): ring bytes differ")
        }
        #expect(drivers[0].violation == nil, "\(drivers[0].violation ?? "")")
        #expect(drivers[1].violation == nil, "\(drivers[1].violation ?? "")")
    }

    /// A packed device that writes one used descriptor more than there are buffers in flight is
    /// caught by a batch reclaim, which stops at what is in flight (with and without IN_ORDER,
    /// for a duplicated ID and for an ID never added).
    @Test(arguments: [(false, UInt16(0)), (false, 5), (true, 0), (true, 5)])
    func anExtraPackedUsedDescriptorIsAViolation(inOrder: Bool, extraID: UInt16) throws {
        let memory = Rig.memory()
        let features = VirtioFeature.version1 | VirtioFeature.ringPacked | (inOrder ? VirtioFeature.inOrder : 0)
        let driver = try GuestDriver(memory: memory, size: 8, features: features, base: Rig.ringBase)
        let buffer = [GuestBuffer(address: Rig.dataBase, length: 64, deviceWritable: true)]
        let added = buffer.withUnsafeBufferPointer { driver.add($0, count: 1, firstToken: 7) }
        #expect(added == 1)
        let ring = try memory.slice(at: driver.layout.descriptorArea, length: 32).baseAddress!
        for (slot, id) in [(0, UInt16(0)), (1, extraID)] {
            ring.storeBytes(of: id.littleEndian, toByteOffset: slot * 16 + 12, as: UInt16.self)
            ring.storeBytes(of: (RingLayout.packedAvail | RingLayout.packedUsed).littleEndian,
                            toByteOffset: slot * 16 + 14, as: UInt16.self)
        }
        var tokens: [UInt32] = []
        #expect(driver.reclaim { tokens.append($0.token) } == 1)
        #expect(tokens == [7])
        #expect(driver.violation != nil)
    }
}
