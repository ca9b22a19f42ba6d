import Foundation
import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// Randomized add / kick / complete (in and out of order) / reclaim sequences, for both formats
/// at every feature combination and a range of queue sizes: 1000 sequences per (format,
/// features, size) in release builds (`swift test -c release`), 40 in debug builds;
/// `XEMU_PROPERTY_SEEDS` overrides the count.
@Suite struct VirtqueuePropertyTests {
    #if DEBUG
    static let defaultSeeds = 40
    #else
    static let defaultSeeds = 1000
    #endif
    static let seeds = Int(ProcessInfo.processInfo.environment["XEMU_PROPERTY_SEEDS"] ?? "") ?? defaultSeeds
    static let splitSizes: [UInt16] = [1, 2, 8, 64, 256, 32768]
    static let packedSizes: [UInt16] = [1, 3, 8, 61, 256, 32768]

    static let configurations: [(packed: Bool, features: UInt64)] =
        Rig.featureSets(packed: false).map { (false, $0) } + Rig.featureSets(packed: true).map { (true, $0) }

    @Test(arguments: 0..<16)
    func everyBufferReturnsOnceWithItsLengthAndNoNotificationIsMissed(configuration: Int) throws {
        let (packed, features) = Self.configurations[configuration]
        let memory = Rig.memory()
        for size in packed ? Self.packedSizes : Self.splitSizes {
            let steps = size > 1024 ? 60 : 120
            for seed in 0..<Self.seeds {
                var sim = try Simulation(memory: memory, features: features, size: size,
                                         seed: UInt64(seed) &* 0x1000_0001 &+ UInt64(size))
                sim.run(steps: steps)
                #expect(sim.failures.isEmpty, "seed \(seed): \(sim.failures)")
                #expect(sim.added > 0)
                if !sim.failures.isEmpty { return }
            }
        }
    }

    /// Runs split indices past 65535 and packed wrap counters through many laps, with chains
    /// completed in order, so both index wrap-arounds are crossed at every feature combination.
    @Test(arguments: 0..<16)
    func indicesAndWrapCountersWrapAround(configuration: Int) throws {
        let (_, features) = Self.configurations[configuration]
        let memory = Rig.memory()
        let size: UInt16 = features & VirtioFeature.ringPacked != 0 ? 7 : 8
        let driver = try GuestDriver(memory: memory, size: size, features: features, base: Rig.ringBase)
        var queue = try driver.queueConfig.activate(memory: memory)
        let buffers = [GuestBuffer(address: Rig.dataBase, length: 64, deviceWritable: false),
                       GuestBuffer(address: Rig.dataBase + 64, length: 64, deviceWritable: true)]
        var token: UInt32 = 0
        for round in 0..<(70_000 / 3) {
            for _ in 0..<3 {
                let n = round % 2 + 1
                #expect(buffers.withUnsafeBufferPointer { driver.add(UnsafeBufferPointer(rebasing: $0[0..<n]), token: token) })
                token &+= 1
            }
            _ = driver.kickPrepare()
            for _ in 0..<3 {
                guard var chain = try queue.pop() else { Issue.record("chain missing at round \(round)"); return }
                let (_, writable) = try chain.measure()
                try queue.push(chain, written: UInt32(writable))
            }
            _ = queue.needsInterrupt()
            for k in 0..<3 {
                let used = driver.getBuf()
                let expectedToken = token &- 3 &+ UInt32(k)
                guard used?.token == expectedToken, used?.length == UInt32(round % 2 == 0 ? 0 : 64) else {
                    Issue.record("round \(round): got \(String(describing: used)), wanted token \(expectedToken)")
                    return
                }
            }
        }
        #expect(driver.violation == nil)
    }
}
