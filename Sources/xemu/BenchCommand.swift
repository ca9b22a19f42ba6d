import ArgumentParser

/// `xemu bench`: measurements of xemu's own parts (virtqueue formats, translator, devices) that
/// need no guest CPU. Each measurement is a subcommand.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure parts of xemu without a guest CPU.",
        subcommands: [VirtqueueBenchCommand.self, BlockBenchCommand.self]
    )
}
