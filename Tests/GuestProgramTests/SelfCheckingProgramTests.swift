import Foundation
import Testing

/// Runs every self-checking program of Tests/GuestPrograms/riscv64 on the bare-metal runner
/// (xemu by default, qemu-system with XEMU_DIFF_TARGET=qemu-system). A program passes when it
/// prints "PASS" and exits 0; otherwise its output names the failing check.
@Suite struct SelfCheckingProgramTests {
    /// The program names, from the committed sources.
    static let programs: [String] = {
        let directory = GuestToolchain.sourceDirectory + "/tests"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".S") || $0.hasSuffix(".c") }.map { String($0.split(separator: ".")[0]) }.sorted()
    }()

    /// All programs, built once per test run.
    static let built: Result<URL, GuestTestError> = {
        do throws(GuestTestError) {
            let toolchain = try GuestToolchain()
            guard let directory = try? GuestToolchain.makeScratchDirectory("selfcheck") else {
                return .failure(.launchFailed(path: "mkdir", reason: "cannot create a scratch directory"))
            }
            _ = try toolchain.buildSelfCheckingPrograms(into: directory)
            return .success(directory)
        } catch {
            return .failure(error)
        }
    }()

    @Test func theProgramsAreFound() {
        #expect(Self.programs.count >= 13)
    }

    @Test(arguments: programs)
    func programPasses(name: String) throws {
        let directory = try Self.built.get()
        let runner = try BareMetalRunner.fromEnvironment()
        let result = try runner.run(kernel: directory.appendingPathComponent("\(name).elf").path, timeout: .seconds(30))
        #expect(!result.timedOut, "\(name) timed out under \(runner.kind.rawValue)")
        #expect(result.status == 0 && result.output.contains("PASS"),
                "\(name) under \(runner.kind.rawValue): exit \(result.status), output: \(result.output)")
    }
}
