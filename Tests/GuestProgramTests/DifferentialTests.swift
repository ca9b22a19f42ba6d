import Foundation
import Testing

/// Seeded random programs run under `qemu-riscv64` (Linux user mode, the reference) and on the
/// bare-metal runner (xemu, or qemu-system with XEMU_DIFF_TARGET=qemu-system); every register,
/// fflags and the scratch buffer's checksum must agree.
///
/// XEMU_DIFF_SEEDS sets how many seeds run (default 300), XEMU_DIFF_FIRST_SEED the first one
/// (default 1) and XEMU_DIFF_BODY the instructions per case (default 200). A failure names the
/// seed; rerun just it with XEMU_DIFF_FIRST_SEED=S XEMU_DIFF_SEEDS=1. XEMU_DIFF_KEEP=1 keeps the
/// generated sources and ELFs (in the temporary directory, named in failures).
@Suite struct DifferentialTests {
    /// Seeds per generated program: batching amortises process start-up.
    static let batchSize: UInt64 = 25

    static let batches: [[UInt64]] = {
        let environment = ProcessInfo.processInfo.environment
        let count = environment["XEMU_DIFF_SEEDS"].flatMap { UInt64($0) } ?? 300
        let first = environment["XEMU_DIFF_FIRST_SEED"].flatMap { UInt64($0) } ?? 1
        return stride(from: first, to: first + count, by: Int(batchSize)).map { start in
            Array(start..<min(start + batchSize, first + count))
        }
    }()

    static var bodyLength: Int {
        ProcessInfo.processInfo.environment["XEMU_DIFF_BODY"].flatMap { Int($0) } ?? 200
    }

    @Test func generatorIsDeterministicPerSeed() {
        let a = DifferentialProgram(seeds: [7, 8]).source(for: .bareMetal)
        let b = DifferentialProgram(seeds: [7, 8]).source(for: .bareMetal)
        let c = DifferentialProgram(seeds: [7, 9]).source(for: .bareMetal)
        #expect(a == b)
        #expect(a != c)
        let user = DifferentialProgram(seeds: [7, 8]).source(for: .linuxUser)
        #expect(user.contains("li a7, 93") && !a.contains("li a7, 93"))
    }

    @Test func parserReadsCasesAndFindsTheFirstMismatch() {
        let values = (0..<UInt64(DifferentialProgram.dumpNames.count)).map { $0 * 3 }
        let text = "noise\nCASE\n" + values.map { String(format: "%016llx", $0) }.joined(separator: "\n") + "\nCASE\n0000\n"
        let cases = DumpParser.cases(in: text)
        #expect(cases == [values])
        var changed = values
        changed[31] = 1
        #expect(DumpParser.firstMismatch(values, changed, referenceName: "a", candidateName: "b") == "f1: a 0x5d vs b 0x1")
    }

    @Test(arguments: batches)
    func userModeAndBareMetalAgree(seeds: [UInt64]) throws {
        let toolchain = try GuestToolchain()
        let qemuUser = try HostProcess.require("qemu-riscv64", debianPackage: "qemu-user")
        let runner = try BareMetalRunner.fromEnvironment()
        let directory = try GuestToolchain.makeScratchDirectory("diff-\(seeds[0])")
        let keep = ProcessInfo.processInfo.environment["XEMU_DIFF_KEEP"] != nil
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }

        let program = DifferentialProgram(seeds: seeds, bodyLength: Self.bodyLength)
        var executables: [DifferentialProgram.Target: String] = [:]
        for target in [DifferentialProgram.Target.linuxUser, .bareMetal] {
            let name = target == .linuxUser ? "user" : "baremetal"
            let source = directory.appendingPathComponent("\(name).S").path
            try program.source(for: target).write(toFile: source, atomically: true, encoding: .utf8)
            let executable = directory.appendingPathComponent("\(name).elf").path
            try toolchain.build(source: source, output: executable, bareMetal: target == .bareMetal)
            executables[target] = executable
        }

        let reference = try HostProcess.run(qemuUser, [executables[.linuxUser]!], timeout: .seconds(60))
        #expect(reference.status == 0 && !reference.timedOut,
                "qemu-riscv64 failed for seeds \(seeds): status \(reference.status), output starts: \(reference.output.prefix(400))")
        let candidate = try runner.run(kernel: executables[.bareMetal]!)
        #expect(candidate.status == 0 && !candidate.timedOut,
                "\(runner.kind.rawValue) failed for seeds \(seeds): status \(candidate.status), timed out \(candidate.timedOut), output starts: \(candidate.output.prefix(400))")

        let referenceCases = DumpParser.cases(in: reference.output)
        let candidateCases = DumpParser.cases(in: candidate.output)
        try #require(referenceCases.count == seeds.count, "qemu-riscv64 printed \(referenceCases.count) of \(seeds.count) cases")
        for (index, seed) in seeds.enumerated() {
            guard index < candidateCases.count else {
                Issue.record("seed \(seed): \(runner.kind.rawValue) stopped before this case (printed \(candidateCases.count) of \(seeds.count))")
                return
            }
            if let mismatch = DumpParser.firstMismatch(referenceCases[index], candidateCases[index],
                                                       referenceName: "qemu-riscv64", candidateName: runner.kind.rawValue) {
                Issue.record("seed \(seed): \(mismatch) (rerun: XEMU_DIFF_FIRST_SEED=\(seed) XEMU_DIFF_SEEDS=1; files in \(directory.path) with XEMU_DIFF_KEEP=1)")
                return
            }
        }
    }
}
