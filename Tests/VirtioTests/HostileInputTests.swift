import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// What a hostile ring must lead to (see `VirtqueueError`).
enum Outcome: Equatable, CustomStringConvertible {
    /// `pop()` succeeds, walking the chain throws; the device completes it with length 0.
    case chainRejected(VirtqueueError)
    /// `pop()` throws and the queue is broken (DEVICE_NEEDS_RESET).
    case queueBroken(VirtqueueError)

    var description: String {
        switch self {
        case .chainRejected(let e): "chain rejected: \(e)"
        case .queueBroken(let e): "queue broken: \(e)"
        }
    }
}

struct HostileCase: CustomTestStringConvertible, Sendable {
    let name: String
    let packed: Bool
    let size: UInt16
    let indirect: Bool
    let outcome: Outcome
    /// Writes the hostile ring state; returns how many chains the device should pop before the
    /// hostile one (they are held in flight).
    let build: @Sendable (HostileRig) -> Int
    /// Runs after those chains were popped, before the hostile one is.
    let later: (@Sendable (HostileRig, inout Virtqueue, [DescriptorChain]) -> Void)?

    init(_ name: String, packed: Bool, size: UInt16 = 8, indirect: Bool = true, _ outcome: Outcome,
         later: (@Sendable (HostileRig, inout Virtqueue, [DescriptorChain]) -> Void)? = nil,
         build: @escaping @Sendable (HostileRig) -> Int) {
        self.later = later
        self.name = name
        self.packed = packed
        self.size = size
        self.indirect = indirect
        self.outcome = outcome
        self.build = build
    }

    var testDescription: String { "\(packed ? "packed" : "split"): \(name)" }
}

let ramEnd = Rig.ramBase + Rig.ramSize
let table = HostileRig.scratch + 0x10000
let table2 = HostileRig.scratch + 0x20000
let N = RingLayout.next, W = RingLayout.write, I = RingLayout.indirect

/// Every hostile case of the issue, for both formats.
let hostileCases: [HostileCase] = [
    // Split ring.
    HostileCase("buffer outside RAM", packed: false, .chainRejected(.bufferOutsideRAM)) { r in
        r.desc(0, address: ramEnd - 16, length: 64); r.offer(0); return 0
    },
    HostileCase("buffer address + length wraps 64 bits", packed: false, .chainRejected(.bufferOutsideRAM)) { r in
        r.desc(0, address: UInt64.max - 8, length: 64); r.offer(0); return 0
    },
    HostileCase("huge length never sizes anything", packed: false, .chainRejected(.bufferOutsideRAM)) { r in
        r.desc(0, address: Rig.ramBase, length: .max); r.offer(0); return 0
    },
    HostileCase("self-referential chain sums past 4 GiB", packed: false, size: 256, .chainRejected(.chainTooLarge)) { r in
        r.desc(0, address: Rig.ramBase, length: 32 << 20, flags: N, next: 0); r.offer(0); return 0
    },
    HostileCase("looping chain", packed: false, .chainRejected(.chainTooLong)) { r in
        r.desc(0, flags: N, next: 1); r.desc(1, flags: N, next: 0); r.offer(0); return 0
    },
    HostileCase("next index out of range", packed: false, .chainRejected(.descriptorIndexOutOfRange)) { r in
        r.desc(0, flags: N, next: 8); r.offer(0); return 0
    },
    HostileCase("looping indirect table", packed: false, .chainRejected(.chainTooLong)) { r in
        r.table(table, 0, flags: N, next: 1); r.table(table, 1, flags: N, next: 0)
        r.desc(0, address: table, length: 32, flags: I); r.offer(0); return 0
    },
    HostileCase("indirect table inside an indirect table", packed: false, .chainRejected(.nestedIndirect)) { r in
        r.table(table2, 0)
        r.table(table, 0, address: table2, length: 16, flags: I)
        r.desc(0, address: table, length: 16, flags: I); r.offer(0); return 0
    },
    HostileCase("indirect with NEXT", packed: false, .chainRejected(.indirectWithNext)) { r in
        r.table(table, 0); r.desc(1)
        r.desc(0, address: table, length: 16, flags: I | N, next: 1); r.offer(0); return 0
    },
    HostileCase("indirect without the feature", packed: false, indirect: false, .chainRejected(.indirectNotNegotiated)) { r in
        r.table(table, 0); r.desc(0, address: table, length: 16, flags: I); r.offer(0); return 0
    },
    HostileCase("zero-length indirect table", packed: false, .chainRejected(.invalidIndirectTableLength)) { r in
        r.desc(0, address: table, length: 0, flags: I); r.offer(0); return 0
    },
    HostileCase("indirect table not a multiple of 16", packed: false, .chainRejected(.invalidIndirectTableLength)) { r in
        r.table(table, 0); r.desc(0, address: table, length: 24, flags: I); r.offer(0); return 0
    },
    HostileCase("indirect table outside RAM", packed: false, .chainRejected(.bufferOutsideRAM)) { r in
        r.desc(0, address: ramEnd - 8, length: 16, flags: I); r.offer(0); return 0
    },
    HostileCase("readable after writable", packed: false, .chainRejected(.readableAfterWritable)) { r in
        r.desc(0, flags: W | N, next: 1); r.desc(1); r.offer(0); return 0
    },
    HostileCase("readable after writable in an indirect table", packed: false, .chainRejected(.readableAfterWritable)) { r in
        r.table(table, 0, flags: W | N, next: 1); r.table(table, 1)
        r.desc(0, address: table, length: 32, flags: I); r.offer(0); return 0
    },
    HostileCase("avail index more than the queue size ahead", packed: false, .queueBroken(.availIndexTooFarAhead)) { r in
        r.desc(0); r.setAvailIndex(9); return 0
    },
    HostileCase("avail index far behind (negative distance)", packed: false, .queueBroken(.availIndexTooFarAhead)) { r in
        r.desc(0); r.setAvailIndex(0xFFFF); return 0
    },
    HostileCase("head index out of range", packed: false, .queueBroken(.headIndexOutOfRange)) { r in
        r.offer(8); return 0
    },
    HostileCase("more chains in flight than descriptors", packed: false, .queueBroken(.tooManyInFlight),
                later: { r, _, _ in r.offer(0) }) { r in
        for i in 0..<8 { r.desc(i) }
        r.offer(0, 1, 2, 3, 4, 5, 6, 7)
        return 8
    },

    // Packed ring.
    HostileCase("buffer outside RAM", packed: true, .chainRejected(.bufferOutsideRAM)) { r in
        r.desc(0, address: ramEnd - 16, length: 64); return 0
    },
    HostileCase("buffer address + length wraps 64 bits", packed: true, .chainRejected(.bufferOutsideRAM)) { r in
        r.desc(0, address: UInt64.max - 8, length: 64); return 0
    },
    HostileCase("indirect lengths sum past 4 GiB", packed: true, .chainRejected(.chainTooLarge)) { r in
        for k in 0..<129 { r.table(table, k, address: Rig.ramBase, length: 32 << 20) }
        r.desc(0, address: table, length: 129 * 16, flags: I); return 0
    },
    HostileCase("chain longer than the queue", packed: true, .queueBroken(.chainTooLongInRing)) { r in
        for i in 0..<8 { r.desc(i, flags: N) }
        return 0
    },
    HostileCase("indirect table inside an indirect table", packed: true, .chainRejected(.nestedIndirect)) { r in
        r.table(table2, 0)
        r.table(table, 0, address: table2, length: 16, flags: I)
        r.desc(0, address: table, length: 16, flags: I); return 0
    },
    HostileCase("indirect with NEXT", packed: true, .chainRejected(.indirectWithNext)) { r in
        r.table(table, 0); r.desc(1, id: 1)
        r.desc(0, address: table, length: 16, flags: I | N); return 0
    },
    HostileCase("indirect without the feature", packed: true, indirect: false, .chainRejected(.indirectNotNegotiated)) { r in
        r.table(table, 0); r.desc(0, address: table, length: 16, flags: I); return 0
    },
    HostileCase("zero-length indirect table", packed: true, .chainRejected(.invalidIndirectTableLength)) { r in
        r.desc(0, address: table, length: 0, flags: I); return 0
    },
    HostileCase("indirect table not a multiple of 16", packed: true, .chainRejected(.invalidIndirectTableLength)) { r in
        r.table(table, 0); r.desc(0, address: table, length: 40, flags: I); return 0
    },
    HostileCase("readable after writable", packed: true, .chainRejected(.readableAfterWritable)) { r in
        r.desc(1); r.desc(0, flags: W | N); return 0
    },
    HostileCase("readable after writable in an indirect table", packed: true, .chainRejected(.readableAfterWritable)) { r in
        r.table(table, 0, flags: W); r.table(table, 1)
        r.desc(0, address: table, length: 32, flags: I); return 0
    },
    HostileCase("buffer ID out of range", packed: true, .queueBroken(.bufferIDOutOfRange)) { r in
        r.desc(0, id: 8); return 0
    },
    HostileCase("buffer ID reused while in flight", packed: true, .queueBroken(.bufferIDInFlight)) { r in
        r.desc(0, id: 3); r.desc(1, id: 3); return 1
    },
    HostileCase("odd queue size, chain across the ring end", packed: true, size: 3, .chainRejected(.readableAfterWritable),
                later: { r, queue, held in
                    // The device completes the first two chains; the driver then reuses slot 0
                    // in lap 2, where an available descriptor has AVAIL clear and USED set.
                    for c in held { try! queue.push(c, written: 0) }
                    queue.publish()
                    let d = r.layout.descriptorArea
                    try! r.memory.write(UInt16(0), at: d + 12)
                    try! r.memory.write(RingLayout.packedUsed, at: d + 14)
                }) { r in
        // Two good chains occupy slots 0 and 1; the hostile one runs from slot 2 into slot 0.
        r.desc(0, id: 0); r.desc(1, id: 1)
        r.put(at: r.layout.descriptorArea, 2, address: HostileRig.scratch, length: 64, flags: W | N, id: 2)
        return 2
    },
]

@Suite struct HostileInputTests {
    /// Every case under every combination of the features that do not change its meaning.
    static let extraFeatures: [UInt64] = [0, VirtioFeature.eventIndex, VirtioFeature.inOrder,
                                          VirtioFeature.eventIndex | VirtioFeature.inOrder]

    @Test(arguments: hostileCases, extraFeatures)
    func hostileDriverHasOneDefinedOutcome(_ c: HostileCase, features: UInt64) throws {
        let rig = HostileRig(packed: c.packed, size: c.size, indirect: c.indirect, extraFeatures: features)
        let held = c.build(rig)
        var queue = rig.activate()
        var holding: [DescriptorChain] = []
        for _ in 0..<held {
            guard let chain = try queue.pop() else { Issue.record("expected a good chain first"); return }
            holding.append(chain)
        }
        c.later?(rig, &queue, holding)
        switch c.outcome {
        case .queueBroken(let expected):
            #expect(throws: expected) { _ = try queue.pop() }
            #expect(queue.brokenReason == expected)
            #expect(expected.breaksQueue)
            // Every later pop refuses too: the transport sets DEVICE_NEEDS_RESET.
            #expect(throws: VirtqueueError.queueBroken) { _ = try queue.pop() }
        case .chainRejected(let expected):
            #expect(!expected.breaksQueue)
            guard var chain = try queue.pop() else { Issue.record("the hostile chain was not popped"); return }
            #expect(throws: expected) { while try chain.next() != nil {} }
            // After an error the chain yields nothing more, and the device still completes it.
            let after = try chain.next()
            #expect(after == nil)
            try queue.push(chain, written: 0)
            let interrupt = queue.needsInterrupt()
            #expect(interrupt)
            #expect(queue.brokenReason == nil)
            if c.packed {
                let position = held
                #expect(rig.usedEntry(position) == (UInt32(chain.head), 0))
                #expect(rig.packedUsedFlagsSet(position))
            } else {
                #expect(rig.usedIndex == 1)
                #expect(rig.usedEntry(0) == (UInt32(chain.head), 0))
                // The avail index was consumed: the same chain does not come back.
                let again = try queue.pop()
                #expect(again == nil)
            }
        }
    }
}
