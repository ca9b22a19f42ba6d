import CMallocCounter
import Foundation
import Machine
import Synchronization
import Virtio
import VirtioDriver

/// Runs benchmark cases and measures chains per second.
public enum BenchRunner {
    /// Runs one case for about `seconds` of timed work (after a short warm-up).
    public static func run(_ c: BenchCase, seconds: Double) throws -> BenchResult {
        switch c.placement {
        case .oneCore: try runOneCore(c, seconds: seconds)
        case .twoCores: try runTwoCores(c, seconds: seconds)
        case .engineOnly: try runEngineOnly(c, seconds: seconds)
        }
    }

    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// CPU time of the calling thread: the one-core figure is per core even when other
    /// processes share the machine.
    static func threadCPUTime() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Driver model and device alternate on this thread, one batch at a time; timed in thread
    /// CPU time.
    static func runOneCore(_ c: BenchCase, seconds: Double) throws -> BenchResult {
        let loop = try OneCoreLoop(c)
        // Warm-up: touch every ring position a few times.
        _ = loop.run(rounds: 4 * c.queueSize / c.batch + 16)
        loop.resetCounters()
        let budget = UInt64(seconds * 1e9)
        var chains: UInt64 = 0
        let mallocsBefore = xemu_malloc_count()
        let start = threadCPUTime()
        var elapsed: UInt64 = 0
        repeat {
            chains &+= UInt64(loop.run(rounds: 64))
            elapsed = threadCPUTime() &- start
        } while elapsed < budget
        let mallocs = xemu_malloc_count() &- mallocsBefore
        try loop.check()
        return BenchResult(c, chains: chains, seconds: Double(elapsed) / 1e9, mallocs: mallocs,
                           interrupts: loop.device.interrupts, kicks: loop.driver.kicks)
    }

    /// The device against a minimal re-posting driver on this thread; timed in thread CPU time.
    static func runEngineOnly(_ c: BenchCase, seconds: Double) throws -> BenchResult {
        let loop = try EngineOnlyLoop(c)
        _ = loop.run(rounds: 4 * c.queueSize / c.batch + 16)
        loop.device.interrupts = 0
        let budget = UInt64(seconds * 1e9)
        var chains: UInt64 = 0
        let mallocsBefore = xemu_malloc_count()
        let start = threadCPUTime()
        var elapsed: UInt64 = 0
        repeat {
            chains &+= UInt64(loop.run(rounds: 64))
            elapsed = threadCPUTime() &- start
        } while elapsed < budget
        let mallocs = xemu_malloc_count() &- mallocsBefore
        if loop.device.errors > 0 { throw BenchError.engineFailed(c, "\(loop.device.errors) engine errors") }
        return BenchResult(c, chains: chains, seconds: Double(elapsed) / 1e9, mallocs: mallocs,
                           interrupts: loop.device.interrupts, kicks: 0)
    }

    /// The device polls on a second thread while this thread runs the driver model; both spin
    /// on the shared rings in guest RAM.
    static func runTwoCores(_ c: BenchCase, seconds: Double) throws -> BenchResult {
        try runTwoCores(c, seconds: seconds, chainLimit: .max)
    }

    /// Runs the two-core placement until `chains` chains came back (for package-benchmark,
    /// which times iterations itself); returns the chains reclaimed.
    public static func runTwoCores(_ c: BenchCase, chains: UInt64) throws -> UInt64 {
        try runTwoCores(c, seconds: 3600, chainLimit: chains).chains
    }

    static func runTwoCores(_ c: BenchCase, seconds: Double, chainLimit: UInt64) throws -> BenchResult {
        let setup = try BenchSetup(c)
        var driver = BenchDriver(driver: setup.driver, benchCase: c, dataBase: setup.dataBase)
        defer { driver.release() }
        let shared = DeviceThread(device: BenchDevice(queue: setup.queue, benchCase: c))
        let thread = Thread { shared.run() }
        thread.start()
        while shared.state.load(ordering: .acquiring) == 0 {}

        let window = c.batch
        var outstanding = 0
        @inline(__always) func step(_ driver: inout BenchDriver) -> Int {
            outstanding &+= driver.add(window &- min(outstanding, window))
            let done = driver.reclaim()
            outstanding &-= done
            return done
        }
        let warmUpEnd = now() &+ 20_000_000
        while now() < warmUpEnd { for _ in 0..<64 { _ = step(&driver) } }
        driver.kicks = 0
        shared.interruptsAtStart.store(shared.interruptsSoFar.load(ordering: .relaxed), ordering: .relaxed)

        let budget = UInt64(seconds * 1e9)
        var chains: UInt64 = 0
        let mallocsBefore = xemu_malloc_count()
        let start = now()
        var elapsed: UInt64 = 0
        var idle = 0
        repeat {
            for _ in 0..<64 {
                let done = step(&driver)
                chains &+= UInt64(done)
                if done == 0 {
                    idle &+= 1
                    if idle & 63 == 0 { sched_yield() }
                }
            }
            elapsed = now() &- start
        } while elapsed < budget && chains < chainLimit
        let mallocs = xemu_malloc_count() &- mallocsBefore
        shared.state.store(2, ordering: .releasing)
        while shared.state.load(ordering: .acquiring) != 3 {}
        let interrupts = shared.interruptsSoFar.load(ordering: .relaxed) &- shared.interruptsAtStart.load(ordering: .relaxed)
        if shared.errors > 0 || setup.driver.violation != nil {
            throw BenchError.engineFailed(c, setup.driver.violation ?? "\(shared.errors) engine errors")
        }
        return BenchResult(c, chains: chains, seconds: Double(elapsed) / 1e9, mallocs: mallocs,
                           interrupts: interrupts, kicks: driver.kicks)
    }
}

/// The device half of a two-core run. `state`: 0 starting, 1 polling, 2 asked to stop, 3 done.
final class DeviceThread: @unchecked Sendable {
    var device: BenchDevice
    let state = Atomic<Int>(0)
    let interruptsSoFar = Atomic<UInt64>(0)
    let interruptsAtStart = Atomic<UInt64>(0)
    var errors: UInt64 = 0

    init(device: BenchDevice) { self.device = device }

    func run() {
        state.store(1, ordering: .releasing)
        var spins = 0
        while true {
            if device.serve() == 0 {
                spins &+= 1
                // On a machine with more runnable threads than cores, a spinning poller must
                // give way, or the other side waits a whole time slice.
                if spins & 63 == 0 { sched_yield() }
                if spins & 1023 == 0 {
                    interruptsSoFar.store(device.interrupts, ordering: .relaxed)
                    if state.load(ordering: .acquiring) == 2 { break }
                }
            } else {
                interruptsSoFar.store(device.interrupts, ordering: .relaxed)
            }
        }
        interruptsSoFar.store(device.interrupts, ordering: .relaxed)
        errors = device.errors
        device.release()
        state.store(3, ordering: .releasing)
    }
}

/// Why a benchmark run stopped.
public enum BenchError: Error, CustomStringConvertible {
    /// the engine or the driver model reported an error during a benchmark case
    case engineFailed(BenchCase, String)

    public var description: String {
        switch self {
        case let .engineFailed(c, why): "benchmark case \(c.format.rawValue) \(c.pairLabel) \(c.placement.rawValue) failed: \(why)"
        }
    }
}
