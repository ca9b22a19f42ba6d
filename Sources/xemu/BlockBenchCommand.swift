import ArgumentParser
import BlockBench
import Foundation

/// `xemu bench blk`: the virtio-blk device driven by the driver-side model with no CPU,
/// sequential 1 MiB and random 4 KiB reads and writes at queue depths 1 and 32, split against
/// packed, next to the raw backend file's speed measured in the same run.
struct BlockBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blk",
        abstract: "Measure virtio-blk throughput and IOPS against the raw file, split vs packed."
    )

    @Option(name: .customLong("seconds"), help: "Timed seconds per measurement.")
    var seconds = 1.0

    @Option(name: .customLong("size"), help: "Size of the temporary benchmark file in MiB.")
    var sizeMiB = 256

    @Option(name: .customLong("dir"), help: "Directory for the temporary benchmark file.")
    var directory = "/tmp"

    @Option(name: .customLong("workers"), help: "I/O worker threads of the device (the raw baseline uses as many).")
    var workers = 1

    @Option(name: .customLong("format"), help: "Only this ring format (split or packed).")
    var format: String?

    @Option(name: .customLong("workload"), help: "Only this workload (seq-read-1M, seq-write-1M, rand-read-4K, rand-write-4K).")
    var workload: String?

    @Option(name: .customLong("depth"), help: "Only this queue depth.")
    var depth: Int?

    @Flag(name: .customLong("json"), help: "Print the results as JSON instead of the table.")
    var json = false

    @Option(name: .customLong("plot"), help: "Also write a grouped bar chart to this SVG file.")
    var plot: String?

    func validate() throws {
        if let format, BlockBenchCase.Format(rawValue: format) == nil {
            throw ValidationError("--format must be split or packed, not \(format)")
        }
        if let workload, BlockBenchCase.Workload(rawValue: workload) == nil {
            let names = BlockBenchCase.Workload.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--workload must be one of \(names), not \(workload)")
        }
        if let depth, !(1...128).contains(depth) { throw ValidationError("--depth must be 1...128, not \(depth)") }
        guard sizeMiB >= 16 else { throw ValidationError("--size must be at least 16 MiB") }
        guard (1...64).contains(workers) else { throw ValidationError("--workers must be 1...64") }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        let cases = BlockBenchCase.matrix(
            workloads: workload.flatMap(BlockBenchCase.Workload.init(rawValue:)).map { [$0] } ?? BlockBenchCase.Workload.allCases,
            depths: depth.map { [$0] } ?? [1, 32],
            formats: format.flatMap(BlockBenchCase.Format.init(rawValue:)).map { [$0] } ?? BlockBenchCase.Format.allCases)
        let path = "\(directory)/xemu-bench-blk-\(getpid()).img"
        defer { unlink(path) }
        try BenchFile.create(path, megabytes: sizeMiB)
        let results = try BlockBenchRunner.run(cases, path: path, workers: workers, seconds: seconds)
        print(json ? try BlockBenchReport.json(results) : BlockBenchReport.text(results))
        if let plot {
            try BlockBenchReport.svg(results).write(toFile: plot, atomically: true, encoding: .utf8)
        }
    }
}
