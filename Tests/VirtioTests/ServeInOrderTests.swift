import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// `Virtqueue.serveInOrder`, the loop that holds the ring state in a local for a batch, must do
/// exactly what a device's own pop -> walk -> push loop does.
@Suite struct ServeInOrderTests {
    /// Two drivers on separate guest RAM, one queue served by `serveInOrder` and one by hand,
    /// through several ring laps, a full ring, limits that stop a batch early, and both decision
    /// points: same ring bytes, same interrupt decisions, same buffers back.
    @Test(arguments: 0..<16)
    func servingMatchesPopAndPush(configuration: Int) throws {
        let twins = try TwinRings(configuration: configuration)
        let drivers = twins.drivers, size = twins.size
        var token: UInt32 = 0
        for round in 0..<48 {
            let chain = twins.chain(round % 3 + 1)
            let added = drivers.map { $0.add(chain, count: round % 7 + 1, firstToken: token) }
            #expect(added[0] == added[1])
            token &+= UInt32(added[0])
            if round % 5 == 0 { drivers.forEach { $0.disableCallbacks() } }
            if round % 5 == 2 { drivers.forEach { _ = $0.enableCallbacks() } }
            let limit = round % 4 == 3 ? 2 : Int(size)
            let perChain = round % 2 == 0

            var interrupts: [[Int]] = [[], []]
            var walked = 0
            func serve(_ chain: inout DescriptorChain) -> UInt32 {
                walked += 1
                return UInt32(truncatingIfNeeded: (try? chain.measure())?.writable ?? 0)
            }
            func interrupt() { interrupts[0].append(walked) }
            let served = try twins.queues[0].serveInOrder(limit: limit, decisionPerChain: perChain, serve, interrupt: interrupt)

            var byHand = 0
            while byHand < limit, var chain = try twins.queues[1].pop() {
                let written = UInt32(truncatingIfNeeded: try chain.measure().writable)
                try twins.queues[1].push(chain, written: written)
                byHand += 1
                if perChain && twins.queues[1].needsInterrupt() { interrupts[1].append(byHand) }
            }
            if !perChain && byHand > 0 && twins.queues[1].needsInterrupt() { interrupts[1].append(byHand) }

            #expect(served == byHand && walked == byHand, "round \(round)")
            #expect(interrupts[0] == interrupts[1], "round \(round)")
            var returned: [[UsedBuffer]] = [[], []]
            for d in 0..<2 { _ = drivers[d].reclaim { returned[d].append($0) } }
            #expect(returned[0] == returned[1], "round \(round)")
            let rings = try twins.ringBytes()
            #expect(rings[0] == rings[1], "round \(round): ring bytes differ")
            #expect(twins.queues[0].inFlight == 0)
        }
        #expect(drivers[0].violation == nil, "\(drivers[0].violation ?? "")")
    }

    /// A chain popped by hand and still held when the loop starts (the loop then cannot place
    /// used entries at the avail position, nor skip the per-ID in-flight check), completed after
    /// the loop's chains: same ring bytes, decisions and buffers as popping and pushing by hand.
    /// Without IN_ORDER only, since completing the held chain last is out of order.
    @Test(arguments: (0..<16).filter { TwinRings.configurations[$0].features & VirtioFeature.inOrder == 0 })
    func servingWithAChainHeldMatchesPopAndPush(configuration: Int) throws {
        let twins = try TwinRings(configuration: configuration)
        let drivers = twins.drivers
        var token: UInt32 = 0
        for round in 0..<24 {
            let added = drivers.map { $0.add(twins.chain(round % 3 + 1), count: round % 5 + 2, firstToken: token) }
            #expect(added[0] == added[1])
            token &+= UInt32(added[0])
            let perChain = round % 2 == 0
            var held: [(token: UsedToken, written: UInt32)] = []
            for q in 0..<2 {
                guard var first = try twins.queues[q].pop() else { continue }
                held.append((first.token, UInt32(truncatingIfNeeded: try first.measure().writable)))
            }
            var interrupts: [Int] = [0, 0]
            func serve(_ chain: inout DescriptorChain) -> UInt32 {
                UInt32(truncatingIfNeeded: (try? chain.measure())?.writable ?? 0)
            }
            func interrupt() { interrupts[0] += 1 }
            let served = try twins.queues[0].serveInOrder(limit: Int(twins.size), decisionPerChain: perChain, serve,
                                                          interrupt: interrupt)
            var byHand = 0
            while var chain = try twins.queues[1].pop() {
                try twins.queues[1].push(chain, written: UInt32(truncatingIfNeeded: try chain.measure().writable))
                byHand += 1
                if perChain && twins.queues[1].needsInterrupt() { interrupts[1] += 1 }
            }
            if !perChain && byHand > 0 && twins.queues[1].needsInterrupt() { interrupts[1] += 1 }
            for (q, chain) in held.enumerated() {
                try twins.queues[q].push(chain.token, written: chain.written)
                if twins.queues[q].needsInterrupt() { interrupts[q] += 1 }
            }
            #expect(served == byHand && interrupts[0] == interrupts[1], "round \(round)")
            var returned: [[UsedBuffer]] = [[], []]
            for d in 0..<2 { _ = drivers[d].reclaim { returned[d].append($0) } }
            #expect(returned[0] == returned[1], "round \(round)")
            #expect(try twins.ringBytes()[0] == twins.ringBytes()[1], "round \(round): ring bytes differ")
            #expect(twins.queues[0].inFlight == 0)
        }
        #expect(drivers[0].violation == nil, "\(drivers[0].violation ?? "")")
    }

    /// A corrupt ring state breaks the queue as `pop()` does; the chains served before it are
    /// still published and decided upon.
    @Test(arguments: [false, true])
    func aCorruptRingBreaksTheQueue(perChain: Bool) throws {
        let rig = HostileRig(packed: false)
        var queue = rig.activate()
        rig.desc(0)
        rig.offer(0)
        var served: [UInt16] = []
        var interrupts = 0
        func serve(_ chain: inout DescriptorChain) -> UInt32 {
            served.append(chain.head)
            rig.setAvailIndex(rig.availIndex &+ 100)
            return 0
        }
        func interrupt() { interrupts += 1 }
        #expect(throws: VirtqueueError.availIndexTooFarAhead) {
            try queue.serveInOrder(limit: 8, decisionPerChain: perChain, serve, interrupt: interrupt)
        }
        #expect(served == [0])
        #expect(rig.usedIndex == 1 && rig.usedEntry(0).id == 0)
        #expect(interrupts == 1)
        #expect(queue.brokenReason == .availIndexTooFarAhead)
        #expect(throws: VirtqueueError.queueBroken) {
            try queue.serveInOrder(limit: 8, decisionPerChain: perChain, serve, interrupt: interrupt)
        }
    }

    /// The same on a packed ring: a buffer ID out of range after a good chain.
    @Test(arguments: [false, true])
    func aCorruptPackedRingBreaksTheQueue(perChain: Bool) throws {
        let rig = HostileRig(packed: true)
        var queue = rig.activate()
        rig.desc(0, id: 0)
        rig.desc(1, id: 99)
        var served: [UInt16] = []
        var interrupts = 0
        func serve(_ chain: inout DescriptorChain) -> UInt32 {
            served.append(chain.head)
            return 0
        }
        func interrupt() { interrupts += 1 }
        #expect(throws: VirtqueueError.bufferIDOutOfRange) {
            try queue.serveInOrder(limit: 8, decisionPerChain: perChain, serve, interrupt: interrupt)
        }
        #expect(served == [0])
        #expect(rig.usedEntry(0).id == 0 && rig.packedUsedFlagsSet(0))
        #expect(interrupts == 1)
        #expect(queue.brokenReason == .bufferIDOutOfRange)
    }
}
