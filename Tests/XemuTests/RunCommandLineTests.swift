import Foundation
import Testing

/// `xemu run`'s command-line failures, none of which boots a guest: each is one `xemu:` line
/// with status 2 (bad command line) or 125 (the run cannot start).
@Suite struct RunCommandLineTests {
    @Test(arguments: [
        (["run"], Int32(2), "a command is required (give it after --"),
        (["run", "--env", "1BAD=x", "--", "true"], 2, "--env: bad value '1BAD=x'"),
        (["run", "--env", "XEMU_SURELY_UNSET_VARIABLE", "--", "true"], 2, "the NAME of a variable set on the host"),
        (["run", "--share", "/", "--", "true"], 2, "--share: '/' cannot be mounted over the guest's root"),
        (["run", "--share", "/usr", "--", "true"], 2, "--share: '/usr' would cover the guest's /usr/bin"),
        (["run", "--share", "/tmp,tag=a,tag=b", "--", "true"], 2, "--share: 'tag' is given more than once"),
        (["run", "--verbose", "--console-log", "/tmp/xemu-run-log", "--", "true"], 2, "give one of them"),
        (["run", "--board", "virt-mips", "--", "true"], 2, "unknown board 'virt-mips'"),
        (["run", "--board", "virt-arm64", "--", "true"], 125, "board 'virt-arm64' cannot run commands yet (xemu run supports: virt-riscv64)"),
        (["run", "--smp", "2", "--", "true"], 125, "--smp is not available yet"),
    ] as [([String], Int32, String)])
    func badRunsFailWithOneLine(arguments: [String], status: Int32, mentions: String) throws {
        let result = try XemuBinary.run(arguments)
        #expect(result.status == status, "stderr: \(result.stderr)")
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
        #expect(result.stderr.hasPrefix("xemu: ") && result.stderr.contains(mentions), "stderr: \(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// Without Images/out anywhere xemu looks, the message names the command that builds it.
    @Test func missingDefaultGuestNamesTheBuildCommand() throws {
        let scratch = try Scratch()
        // A copy outside any .build folder, so xemu cannot find the source tree's Images/out.
        let copy = scratch.path("xemu")
        try FileManager.default.copyItem(at: XemuBinary.url, to: URL(fileURLWithPath: copy))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: copy)
        process.arguments = ["run", "--", "true"]
        process.currentDirectoryURL = scratch.directory
        process.environment = ["XEMU_IMAGES": try scratch.folder("empty-images"), "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 125)
        #expect(stderr == "xemu: the default guest is not built (Images/out/riscv64/Image is missing): run Images/build.sh --only riscv64, set XEMU_IMAGES to its Images/out, or pass --kernel and --initrd\n")
    }
}
