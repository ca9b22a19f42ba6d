import Foundation

/// What runs bare-metal riscv64 programs on the `virt` board: xemu itself (the default), or
/// `qemu-system-riscv64` as the oracle that proves the harness. Chosen by `XEMU_DIFF_TARGET`
/// (`xemu` or `qemu-system`). The program's serial output is its stdout and the finisher's
/// code its exit status in both.
struct BareMetalRunner {
    enum Kind: String {
        case xemu
        case qemuSystem = "qemu-system"
    }

    let kind: Kind
    let executable: String
    /// xemu's `--jit` tier: XEMU_DIFF_JIT (interp, llvm or auto) unless a test names one.
    var jit: String? = ProcessInfo.processInfo.environment["XEMU_DIFF_JIT"]
    /// Extra xemu options (such as `--jit-threshold`).
    var extraArguments: [String] = []

    static func fromEnvironment() throws(GuestTestError) -> BareMetalRunner {
        let value = ProcessInfo.processInfo.environment["XEMU_DIFF_TARGET"] ?? Kind.xemu.rawValue
        guard let kind = Kind(rawValue: value) else { throw .unknownTarget(value) }
        switch kind {
        case .xemu:
            let path = xemuNextToTestBundle()
            guard FileManager.default.isExecutableFile(atPath: path) else { throw .xemuNotBuilt(expectedAt: path) }
            return BareMetalRunner(kind: kind, executable: path)
        case .qemuSystem:
            let path = try HostProcess.require("qemu-system-riscv64", debianPackage: "qemu-system-misc")
            return BareMetalRunner(kind: kind, executable: path)
        }
    }

    /// The test executable's directory holds the `xemu` product the test target depends on.
    static func xemuNextToTestBundle() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // On Darwin the test executable sits inside NAME.xctest/Contents/MacOS.
        while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent("xemu").path
    }

    /// Runs `kernel` to its end.
    func run(kernel: String, timeout: Duration = .seconds(60)) throws(GuestTestError) -> HostProcess.Result {
        switch kind {
        case .xemu:
            try HostProcess.run(executable, ["--board", "virt-riscv64", "--bios", "none", "--kernel", kernel, "--serial", "stdio"]
                                    + (jit.map { ["--jit", $0] } ?? []) + extraArguments, timeout: timeout)
        case .qemuSystem:
            try HostProcess.run(executable, ["-M", "virt", "-bios", "none", "-display", "none", "-monitor", "none",
                                             "-serial", "stdio", "-kernel", kernel], timeout: timeout)
        }
    }
}
