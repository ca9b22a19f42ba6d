import Machine
@testable import Virtio
@testable import VirtioDriver

/// An event-driven run of one driver model against the device-side engine. The device works
/// only after a kick (or when re-enabling notifications finds work), the driver reclaims only
/// after an interrupt (or when re-enabling callbacks finds used buffers): a missed notification
/// therefore strands buffers, which `drain()` detects. Every notification decision is also
/// compared with a brute-force oracle, which catches spurious ones.
struct Simulation {
    let memory: GuestMemory
    let features: UInt64
    let size: UInt16
    let driver: GuestDriver
    var queue: Virtqueue
    var rng: SplitMix64
    let perChainDecision: Bool
    var failures: [String] = []

    var held: [(chain: DescriptorChain, capacity: UInt32)] = []
    var tokenOfHead: [UInt32]
    var capacityOfToken: [UInt32: UInt32] = [:]
    var writtenOfToken: [UInt32: UInt32] = [:]
    var returned = 0
    var added = 0
    var nextToken: UInt32 = 1
    var deviceAwake = true
    var driverAwake = true
    // Oracle positions: driver's avail side at the last kick decision, device's used side at
    // the last interrupt decision.
    var kickOld: (UInt16, Bool) = (0, true)
    var interruptOld: (UInt16, Bool) = (0, true)

    var isPacked: Bool { features & VirtioFeature.ringPacked != 0 }
    var eventIndex: Bool { features & VirtioFeature.eventIndex != 0 }
    var inOrder: Bool { features & VirtioFeature.inOrder != 0 }

    init(memory: GuestMemory, features: UInt64, size: UInt16, seed: UInt64) throws {
        self.memory = memory
        self.features = features
        self.size = size
        driver = try GuestDriver(memory: memory, size: size, features: features, base: Rig.ringBase)
        queue = try driver.queueConfig.activate(memory: memory)
        rng = SplitMix64(seed: seed)
        perChainDecision = seed & 1 == 0
        tokenOfHead = Array(repeating: 0, count: Int(size))
    }

    mutating func fail(_ message: String) {
        if failures.count < 5 { failures.append("\(Rig.name(features)) size \(size): \(message)") }
    }

    // MARK: driver side

    var driverPosition: (UInt16, Bool) {
        switch driver {
        case .split(let d): (d.availIndex, true)
        case .packed(let d): (d.nextAvail, d.availWrap)
        }
    }

    mutating func addSome() {
        let maxSegments = min(8, Int(size))
        var any = false
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let n = Int.random(in: 1...maxSegments, using: &rng)
            let readable = Int.random(in: 0...n, using: &rng)
            var buffers: [GuestBuffer] = []
            var capacity: UInt32 = 0
            for k in 0..<n {
                let length = UInt32.random(in: 1...4096, using: &rng)
                let address = Rig.dataBase + UInt64.random(in: 0..<(16 << 20), using: &rng)
                buffers.append(GuestBuffer(address: address, length: length, deviceWritable: k >= readable))
                if k >= readable { capacity += length }
            }
            let token = nextToken
            let ok = buffers.withUnsafeBufferPointer { driver.add($0, token: token) }
            guard ok else { break }
            nextToken += 1
            added += 1
            any = true
            capacityOfToken[token] = capacity
            tokenOfHead[Int(driver.lastHead)] = token
        }
        if any { kick() }
    }

    mutating func kick() {
        let new = driverPosition, old = kickOld
        let expected: Bool
        switch driver {
        case .split(let d):
            if eventIndex {
                let event = try! memory.read(UInt16.self, at: d.layout.deviceArea + 4 + 8 * UInt64(size))
                expected = Oracle.splitCrossed(event: event, old: old.0, new: new.0)
            } else {
                expected = try! memory.read(UInt16.self, at: d.layout.deviceArea) & RingLayout.usedNoNotify == 0
            }
        case .packed(let d):
            let offWrap = try! memory.read(UInt16.self, at: d.layout.deviceArea)
            let flags = try! memory.read(UInt16.self, at: d.layout.deviceArea + 2) & 3
            if flags == RingLayout.eventFlagsDesc && eventIndex {
                expected = Oracle.packedCrossed(offWrap: offWrap, old: old.0, oldWrap: old.1, new: new.0, newWrap: new.1, size: size)
            } else {
                expected = flags != RingLayout.eventFlagsDisable
            }
        }
        let decided = driver.kickPrepare()
        if decided != expected { fail("kick decision \(decided), oracle \(expected)") }
        kickOld = new
        if decided { deviceAwake = true }
    }

    mutating func driverReclaim() {
        guard driverAwake else { return }
        driver.disableCallbacks()
        for _ in 0..<(4 * Int(size) + 8) {
            while let used = driver.getBuf() {
                guard let written = writtenOfToken.removeValue(forKey: used.token) else {
                    fail("token \(used.token) returned but not completed (or twice)")
                    continue
                }
                if written != used.length { fail("token \(used.token) returned with \(used.length), device wrote \(written)") }
                returned += 1
            }
            // Sometimes asked for three quarters of what is in flight (Linux's delayed
            // callbacks): used_event / DESC far ahead of the used position.
            let rearmed = Bool.random(using: &rng) ? driver.enableCallbacksDelayed() : driver.enableCallbacks()
            if !rearmed {
                driverAwake = false
                break
            }
            driver.disableCallbacks()
        }
        if let v = driver.violation { fail("driver saw: \(v)") }
    }

    // MARK: device side

    var devicePosition: (UInt16, Bool) {
        if let r = queue.packed { return (r.nextUsed, r.usedWrap) }
        return (queue.split!.usedIndex, true)
    }

    mutating func devicePop() {
        guard deviceAwake else { return }
        let limit = Int.random(in: 1...Int(size), using: &rng)
        queue.disableNotifications()
        var popped = 0
        for _ in 0..<(2 * Int(size) + 4) {
            do {
                while popped < limit, var chain = try queue.pop() {
                    popped += 1
                    do {
                        let (_, writable) = try chain.measure()
                        held.append((chain, UInt32(writable)))
                    } catch {
                        fail("valid chain rejected: \(error)")
                    }
                }
            } catch {
                fail("queue broke: \(error)")
                return
            }
            if popped == limit { return }
            if !queue.enableNotifications() {
                deviceAwake = false
                return
            }
            queue.disableNotifications()
        }
    }

    mutating func deviceComplete(all: Bool = false) {
        guard !held.isEmpty else { return }
        let count = all ? held.count : Int.random(in: 1...held.count, using: &rng)
        let inOrderRun = inOrder || Bool.random(using: &rng)
        for _ in 0..<count {
            let index = inOrderRun ? 0 : Int.random(in: 0..<held.count, using: &rng)
            let (chain, capacity) = held.remove(at: index)
            let written = inOrder && Bool.random(using: &rng) ? 0 : UInt32.random(in: 0...capacity, using: &rng)
            do {
                try queue.push(chain, written: written)
            } catch {
                fail("push failed: \(error)")
            }
            writtenOfToken[tokenOfHead[Int(chain.head)]] = written
            if perChainDecision { interruptDecision() }
        }
        if !perChainDecision { interruptDecision() }
    }

    mutating func interruptDecision() {
        queue.publish()
        let new = devicePosition, old = interruptOld
        var expected = false
        if new != old {
            switch driver {
            case .split(let d):
                if eventIndex {
                    let event = try! memory.read(UInt16.self, at: d.layout.driverArea + 4 + 2 * UInt64(size))
                    expected = Oracle.splitCrossed(event: event, old: old.0, new: new.0)
                } else {
                    expected = try! memory.read(UInt16.self, at: d.layout.driverArea) & RingLayout.availNoInterrupt == 0
                }
            case .packed(let d):
                let offWrap = try! memory.read(UInt16.self, at: d.layout.driverArea)
                let flags = try! memory.read(UInt16.self, at: d.layout.driverArea + 2) & 3
                if flags == RingLayout.eventFlagsDesc && eventIndex {
                    expected = Oracle.packedCrossed(offWrap: offWrap, old: old.0, oldWrap: old.1, new: new.0, newWrap: new.1, size: size)
                } else {
                    expected = flags != RingLayout.eventFlagsDisable
                }
            }
        }
        let decided = queue.needsInterrupt()
        if decided != expected { fail("interrupt decision \(decided), oracle \(expected)") }
        interruptOld = new
        if decided { driverAwake = true }
    }

    // MARK: runs

    mutating func run(steps: Int) {
        for _ in 0..<steps where failures.isEmpty {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: addSome()
            case 1: devicePop()
            case 2: deviceComplete()
            default: driverReclaim()
            }
        }
        drain()
    }

    /// Lets both sides finish what they have without adding work; afterwards every buffer must
    /// be back with the driver.
    mutating func drain() {
        for _ in 0..<8 {
            devicePop()
            deviceComplete(all: true)
            driverReclaim()
        }
        if !held.isEmpty { fail("device still holds \(held.count) chains: a kick was missed") }
        if returned != added { fail("\(added - returned) of \(added) buffers never came back: an interrupt was missed") }
        if driver.inFlight != 0 { fail("driver still has \(driver.inFlight) in flight") }
        if queue.inFlight != 0 { fail("queue still has \(queue.inFlight) in flight") }
    }
}
