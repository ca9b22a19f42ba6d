import Foundation
import Testing

/// The LLVM tier against the interpreter on whole programs: the self-checking programs and
/// seeded random programs (the generator of `DifferentialTests`) run on xemu with `--jit interp`
/// and with `--jit llvm` (every block compiled on first execution) or `--jit auto` with a
/// threshold of 2; console output (every register, fflags and the buffer checksum of every
/// case) and exit status must be identical.
///
/// XEMU_TIER_SEEDS sets how many random seeds run (default 1000), from XEMU_DIFF_FIRST_SEED.
@Suite struct TierDifferentialTests {
    static let tiers: [[String]] = [["--jit", "llvm"], ["--jit", "auto", "--jit-threshold", "2"]]

    static let batches: [[UInt64]] = {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["XEMU_TIER_SEEDS"].flatMap { UInt64($0) } ?? 1000
        let first = environment["XEMU_DIFF_FIRST_SEED"].flatMap { UInt64($0) } ?? 1
        return stride(from: first, to: first + count, by: Int(DifferentialTests.batchSize)).map { start in
            Array(start..<min(start + DifferentialTests.batchSize, first + count))
        }
    }()

    static func runner(_ arguments: [String]) throws -> BareMetalRunner {
        var runner = try BareMetalRunner.fromEnvironment()
        runner.jit = nil
        runner.extraArguments = arguments
        return runner
    }

    static func compare(kernel: String, name: String) throws {
        let reference = try runner(["--jit", "interp"]).run(kernel: kernel)
        #expect(!reference.timedOut, "\(name) timed out under --jit interp")
        for tier in tiers {
            let candidate = try runner(tier).run(kernel: kernel)
            #expect(!candidate.timedOut, "\(name) timed out under \(tier.joined(separator: " "))")
            #expect(candidate.status == reference.status, "\(name): exit \(candidate.status) under \(tier), \(reference.status) interpreted")
            if candidate.output != reference.output {
                let interpreted = reference.output.split(separator: "\n"), compiled = candidate.output.split(separator: "\n")
                let common = min(interpreted.count, compiled.count)
                let line = (0..<common).first { interpreted[$0] != compiled[$0] } ?? common
                Issue.record("""
                    \(name) under \(tier.joined(separator: " ")): output differs from --jit interp at line \(line): \
                    \(line < compiled.count ? compiled[line] : "(end)") vs \(line < interpreted.count ? interpreted[line] : "(end)")
                    """)
            }
        }
    }

    @Test(arguments: SelfCheckingProgramTests.programs)
    func selfCheckingProgramIsTheSameOnEveryTier(name: String) throws {
        let directory = try SelfCheckingProgramTests.built.get()
        try Self.compare(kernel: directory.appendingPathComponent("\(name).elf").path, name: name)
    }

    @Test(arguments: batches)
    func randomProgramIsTheSameOnEveryTier(seeds: [UInt64]) throws {
        let toolchain = try GuestToolchain()
        let directory = try GuestToolchain.makeScratchDirectory("tier-\(seeds[0])")
        defer { try? FileManager.default.removeItem(at: directory) }
        let program = DifferentialProgram(seeds: seeds, bodyLength: DifferentialTests.bodyLength)
        let source = directory.appendingPathComponent("baremetal.S").path
        try program.source(for: .bareMetal).write(toFile: source, atomically: true, encoding: .utf8)
        let executable = directory.appendingPathComponent("baremetal.elf").path
        try toolchain.build(source: source, output: executable, bareMetal: true)
        try Self.compare(kernel: executable, name: "seeds \(seeds.first!)...\(seeds.last!)")
    }
}
