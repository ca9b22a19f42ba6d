import Virtio
import VirtioDriver

/// The one-core placement as a reusable loop: each round adds a batch with the driver model,
/// lets the device serve it, and reclaims it. Public so that `Benchmarks/` can time rounds
/// with package-benchmark.
public final class OneCoreLoop {
    let setup: BenchSetup
    var driver: BenchDriver
    var device: BenchDevice
    let batch: Int

    public init(_ c: BenchCase) throws {
        setup = try BenchSetup(c)
        driver = BenchDriver(driver: setup.driver, benchCase: c, dataBase: setup.dataBase)
        device = BenchDevice(queue: setup.queue, benchCase: c)
        batch = c.batch
    }

    deinit {
        driver.release()
        device.release()
    }

    /// Runs `rounds` rounds; returns the chains that completed the whole trip.
    @inline(never)
    public func run(rounds: Int) -> Int {
        var chains = 0
        for _ in 0..<rounds {
            _ = driver.add(batch)
            _ = device.serve()
            chains &+= driver.reclaim()
        }
        return chains
    }

    func resetCounters() {
        driver.kicks = 0
        device.interrupts = 0
    }

    /// Throws if the engine or the driver model reported anything.
    public func check() throws {
        if device.errors > 0 || setup.driver.violation != nil {
            throw BenchError.engineFailed(device.benchCase, setup.driver.violation ?? "\(device.errors) engine errors")
        }
    }
}
