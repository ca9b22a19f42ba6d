import Foundation

/// Debian's riscv64 cross toolchain, used to build guest programs at test time.
struct GuestToolchain {
    let compiler: String

    /// Where the committed guest sources live (Tests/GuestPrograms/riscv64).
    static let sourceDirectory: String = {
        let thisFile = URL(fileURLWithPath: #filePath)
        return thisFile.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GuestPrograms/riscv64").path
    }()

    static let commonFlags = ["-march=rv64gc", "-mabi=lp64d", "-mcmodel=medany", "-nostdlib", "-nostartfiles",
                              "-static", "-no-pie", "-fno-pic", "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments",
                              // gp is an ordinary random register here: no gp-relative relaxation.
                              "-Wl,--no-relax"]

    init() throws(GuestTestError) {
        compiler = try HostProcess.require("riscv64-linux-gnu-gcc", debianPackage: "gcc-riscv64-linux-gnu")
    }

    /// A scratch directory for one test's build products, outside the source tree.
    static func makeScratchDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Assembles and links `source` (a .S file) into `output`: for Linux user mode with the
    /// default layout, or bare metal with the guest linker script (entry at 0x8000_0000).
    func build(source: String, output: String, bareMetal: Bool) throws(GuestTestError) {
        var arguments = Self.commonFlags
        if bareMetal { arguments += ["-T", "\(Self.sourceDirectory)/runtime/link.ld"] }
        arguments += [source, "-o", output]
        let result = try HostProcess.run(compiler, arguments, timeout: .seconds(120))
        guard result.status == 0, !result.timedOut else {
            throw .buildFailed(command: ([compiler] + arguments).joined(separator: " "), output: result.output)
        }
    }

    /// Builds every self-checking program with the committed Makefile into `directory`;
    /// returns the ELF paths.
    func buildSelfCheckingPrograms(into directory: URL) throws(GuestTestError) -> [String] {
        let make = try HostProcess.require("make", debianPackage: "make")
        let arguments = ["-s", "-C", Self.sourceDirectory, "OUT=\(directory.path)", "CC=\(compiler)"]
        let result = try HostProcess.run(make, arguments, timeout: .seconds(300))
        guard result.status == 0 else {
            throw .buildFailed(command: ([make] + arguments).joined(separator: " "), output: result.output)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".elf") }.sorted().map { directory.appendingPathComponent($0).path }
    }
}
