import Benchmark
import VirtqueueBench

/// The `xemu bench virtqueue` matrix under package-benchmark: one benchmark per case, each
/// iteration moving about `chainsPerIteration` chains through the driver model and the engine
/// (so nanoseconds per chain = wall clock per iteration / 65536). package-benchmark adds malloc
/// counts (MallocInterposer trait) and thresholds.
let chainsPerIteration = 65_536

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .instructions],
        scalingFactor: .one,
        maxDuration: .milliseconds(300),
        maxIterations: 1_000
    )
    for c in BenchCase.matrix() {
        let name = "\(c.placement.rawValue) \(c.format.rawValue) \(c.pairLabel)"
        switch c.placement {
        case .oneCore:
            Benchmark(name) { (benchmark: Benchmark, loop: OneCoreLoop) in
                for _ in benchmark.scaledIterations {
                    var done = 0
                    while done < chainsPerIteration { done += loop.run(rounds: 16) }
                }
            } setup: {
                let loop = try OneCoreLoop(c)
                _ = loop.run(rounds: 4 * c.queueSize / c.batch + 16)
                return loop
            }
        case .twoCores:
            Benchmark(name) { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(try BenchRunner.runTwoCores(c, chains: UInt64(chainsPerIteration)))
                }
            }
        }
    }
}
