import Foundation
import Testing

/// `xemu run` on virt-riscv64's default guest (Debian's kernel, the busybox initramfs): exit
/// statuses, stdout and stderr kept apart and complete, shares at their host paths, the
/// environment, the working directory, --snapshot, --timeout and --report.
///
/// Each case boots Linux once (about 10-15 s here), so related checks share a boot.
@Suite(.serialized) struct RunCommandTests {
    /// The host kills xemu after this long; every run also has its own --timeout below it.
    static let limit = 300.0
    static let timeout = ["--timeout", "240"]

    /// Runs `xemu run --board virt-riscv64 ARGS` in `directory`.
    static func xemuRun(_ arguments: [String], in directory: URL,
                        environment: [String: String] = [:]) throws -> RunProcess.Result {
        _ = try BootRunner.image("Image")
        _ = try BootRunner.image("initramfs.cpio")
        return try RunProcess.run(BootRunner.xemu(), ["run", "--board", "virt-riscv64"] + arguments,
                                  in: directory, environment: environment, limit: limit)
    }

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func trueExitsWithZeroAndWritesAReport() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = directory.appendingPathComponent("report.json")
        let result = try Self.xemuRun(Self.timeout + ["--report", report.path, "--", "true"], in: directory)
        #expect(result.status == 0, "stderr: \(result.stderrText)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.isEmpty, "xemu printed: \(result.stderrText)")

        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        #expect(json["board"] as? String == "virt-riscv64")
        #expect((json["kernel"] as? String)?.hasSuffix("riscv64/Image") == true)
        #expect((json["initrd"] as? String)?.hasSuffix("riscv64/initramfs.cpio") == true)
        #expect((json["xemu_version"] as? String)?.isEmpty == false)
        #expect(json["command"] as? [String] == ["true"])
        #expect(json["exit_status"] as? Int == 0)
        #expect(json["timed_out"] as? Bool == false)
        #expect(json["console_log"] is NSNull)
        #expect(json["error"] is NSNull)
        let boot = try #require(json["boot_seconds"] as? Double)
        let command = try #require(json["command_seconds"] as? Double)
        let total = try #require(json["total_seconds"] as? Double)
        #expect(boot > 0 && command >= 0 && boot + command <= total + 0.01, "boot \(boot) s, command \(command) s, total \(total) s")
    }

    @Test func falseExitsWithOneAndXemuSaysNothing() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.xemuRun(Self.timeout + ["--", "false"], in: directory)
        #expect(result.status == 1)
        #expect(result.stderr.isEmpty, "xemu printed: \(result.stderrText)")
    }

    /// One boot: 1 MiB of stdout byte for byte, stderr apart, a file written into the shared
    /// current directory, --env, a relative path resolved in --cwd, arguments whose bytes a
    /// kernel command line could not carry, and the status of `exit 42`.
    @Test func commandSeesSharesEnvironmentAndWorkingDirectory() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try data.write(to: directory.appendingPathComponent("data.bin"))
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try "relative file\n".write(to: directory.appendingPathComponent("sub/relative.txt"), atomically: true, encoding: .utf8)
        let arguments = ["two words", "it's", "say \"hi\"", "new\nline", "$(poweroff -f)", "*", "", "ünïcödé", "back\\slash"]
        let script = "cat ../data.bin; cat relative.txt >&2; printf '%s\\n' \"$GREETING\" > ../env.txt;"
            + " printf '%s\\0' \"$@\" > ../args.bin; cat /proc/cmdline > ../cmdline.txt; exit 42"

        let result = try Self.xemuRun(
            Self.timeout + ["--cwd", "sub", "--env", "GREETING=hello 'quoted' world", "--", "sh", "-c", script, "sh"] + arguments,
            in: directory)
        #expect(result.status == 42, "stderr: \(result.stderrText.suffix(2000))")
        #expect(result.stdout.count == data.count, "stdout carried \(result.stdout.count) of \(data.count) bytes")
        #expect(result.stdout == data, "stdout differs from the file the guest printed")
        #expect(result.stderrText == "relative file\n")
        let environment = try String(contentsOf: directory.appendingPathComponent("env.txt"), encoding: .utf8)
        #expect(environment == "hello 'quoted' world\n")
        let received = try Data(contentsOf: directory.appendingPathComponent("args.bin"))
        #expect(received == Data(arguments.flatMap { Array($0.utf8) + [0] }), "the guest got other arguments")
        // The line Benchmarks/run/run.sh gives QEMU: the boot work xemu skips is skipped.
        let commandLine = try String(contentsOf: directory.appendingPathComponent("cmdline.txt"), encoding: .utf8)
        #expect(commandLine == "console=ttyS0 panic=-1 cryptomgr.notests initcall_blacklist=jent_mod_init,crypto_kdf108_init,check_unaligned_access_all_cpus quiet\n")
    }

    /// A signal N gives 128 + N (SIGTERM: 143), and --snapshot leaves a written disk as it was.
    @Test func signalStatusAndSnapshotDrive() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let disk = directory.appendingPathComponent("disk.img")
        let before = Data(repeating: 0xA5, count: 1 << 20)
        try before.write(to: disk)
        let result = try Self.xemuRun(
            Self.timeout + ["--drive", "file=\(disk.path)", "--snapshot", "--",
                            "sh", "-c", "printf scribble | dd of=/dev/vda conv=notrunc 2>/dev/null; sync; head -c 8 /dev/vda; kill -TERM $$"],
            in: directory)
        #expect(result.status == 143, "stderr: \(result.stderrText.suffix(2000))")
        #expect(result.stdoutText == "scribble", "the guest did not see its own write")
        #expect(try Data(contentsOf: disk) == before, "--snapshot let the guest change the disk")
    }

    @Test func missingCommandExits127WithAMessage() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.xemuRun(Self.timeout + ["--", "no-such-command", "arg"], in: directory)
        #expect(result.status == 127)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText == "xemu: no-such-command: command not found in the guest (PATH=/sbin:/bin:/usr/sbin:/usr/bin)\n")
    }

    /// A kernel panic reboots the guest at once (panic=-1, through OpenSBI's 16-bit write to
    /// the test finisher): status 125, the hidden console's end, then xemu's one line.
    @Test func kernelPanicExits125WithTheConsoleTail() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.xemuRun(Self.timeout + ["--", "sh", "-c", "echo c > /proc/sysrq-trigger"], in: directory)
        #expect(result.status == 125)
        let lines = result.stderrText.split(separator: "\n")
        #expect(lines.first == "xemu: the guest's console ended with:", "stderr: \(result.stderrText)")
        #expect(result.stderrText.contains("Kernel panic"), "stderr: \(result.stderrText)")
        #expect(lines.last == "xemu: the guest rebooted while the command ran (a kernel panic? run with --verbose to see the console)")
    }

    /// A hung command is stopped at --timeout with one line and status 124.
    @Test func hungCommandTimesOut() throws {
        let directory = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Self.xemuRun(["--timeout", "45", "--", "sh", "-c", "echo started; sleep 1000"], in: directory)
        #expect(result.status == 124)
        #expect(result.stdoutText == "started\n", "the command did not start within 45 s: \(result.stderrText)")
        #expect(result.stderrText == "xemu: the command timed out after 45 s\n")
    }
}
