import Foundation
import Testing
import Machine
@testable import Boards
@testable import xemu

/// The parts of `xemu run` that need no guest: the script and its quoting, the cpio segment,
/// the control channel, how a machine's end becomes xemu's status, paths and the JSON report.
@Suite struct RunPartsTests {
    /// Runs `script` with the host's /bin/sh and returns its stdout.
    static func shell(_ script: [UInt8]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", String(decoding: script, as: UTF8.self)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }

    @Test func quotedWordsKeepEveryByte() throws {
        let arguments: [[UInt8]] = [
            Array("it's".utf8), Array("'".utf8), Array("''".utf8), Array("a\nb".utf8), Array("$HOME `id` $(id)".utf8),
            Array("\\\"*?[]".utf8), [], [0xFF, 0xFE, 0x80, 0x27, 0x01], Array("ünï".utf8),
        ]
        // /bin/sh -c takes a String: the non-UTF-8 word is checked by its quoting rule instead.
        let printable = arguments.filter { String(validating: $0, as: UTF8.self) != nil }
        var script = Array("printf '%s\\0'".utf8)
        for word in printable { script += [UInt8(ascii: " ")] + GuestRunScript.quoted(word) }
        #expect(try Self.shell(script) == Data(printable.flatMap { $0 + [0] }))
        #expect(GuestRunScript.quoted([0xFF, 0x27, 0x80]) == [0x27, 0xFF] + Array("'\\''".utf8) + [0x80, 0x27])
    }

    @Test func scriptCarriesTheRunInOrder() {
        var run = GuestRun(arguments: [Array("./test".utf8), Array("x y".utf8)], workingDirectory: "/work/a b")
        run.mounts = [GuestRun.Mount(path: "/work/a b/inner", tag: "xemu1", readOnly: true),
                      GuestRun.Mount(path: "/work/a b", tag: "xemu0", readOnly: false)]
        run.environment = [GuestRun.Variable(name: "MODE", value: "it's")]
        run.skippedModules = ["ext4.ko", "virtio_net.ko"]
        let text = String(decoding: GuestRunScript.script(run, exitStatusCommands: "EXIT-DEVICE $1"), as: UTF8.self)
        let outer = text.range(of: "'xemu0' '/work/a b'")
        let inner = text.range(of: "ro 'xemu1' '/work/a b/inner'")
        #expect(outer != nil && inner != nil && outer!.lowerBound < inner!.lowerBound, "parents mount first:\n\(text)")
        #expect(text.contains("skip=' ext4.ko virtio_net.ko '"))
        #expect(text.contains("cd '/work/a b' 2>/dev/null"))
        #expect(text.contains("set -- './test' 'x y'\n"))
        #expect(text.contains("    export 'MODE=it'\\''s'\n"))
        #expect(text.contains("    EXIT-DEVICE $1\n"))
        let start = text.range(of: "xemu_control start")!, exec = text.range(of: "exec \"$@\"")!
        #expect(start.lowerBound < exec.lowerBound)
    }

    @Test func archiveUnpacksWithCpio() throws {
        let run = GuestRun(arguments: [Array("true".utf8)], workingDirectory: "/")
        let archive = GuestRunScript.archive(run, exitStatusCommands: "true")
        #expect(archive.count % 4 == 0)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-newc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("segment.cpio")
        try Data(archive).write(to: input)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "cpio -id --quiet < segment.cpio"]
        process.currentDirectoryURL = directory
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let script = directory.appendingPathComponent(GuestRunScript.path)
        #expect(try Data(contentsOf: script) == Data(GuestRunScript.script(run, exitStatusCommands: "true")))
        let permissions = try FileManager.default.attributesOfItem(atPath: script.path)[.posixPermissions] as? Int
        #expect(permissions == 0o755)
    }

    @Test func controlChannelReadsLinesAndDistrustsTheGuest() {
        let channel = RunControlChannel()
        func send(_ text: String) { Array(text.utf8).withUnsafeBytes { channel.write($0) } }
        send("noise\nst")
        #expect(channel.events.started == nil)
        send("art\r\n")
        let started = channel.events.started
        #expect(started != nil)
        send("start\nexit x\n")
        #expect(channel.events.started == started && channel.events.exitStatus == nil)
        send(String(repeating: "y", count: 5000) + "\nexit 3\n")
        #expect(channel.events.exitStatus == 3 && channel.events.finished != nil)
        send("error 127 bad\u{1}name: not found\n")
        #expect(channel.events.failure == RunControlChannel.Failure(status: 127, message: "bad?name: not found"))
        #expect(channel.readByte() == nil)
    }

    @Test func machineEndsBecomeRunStatuses() {
        let now = ContinuousClock.now
        var started = RunControlChannel.Events()
        started.started = now
        var finished = started
        finished.finished = now
        finished.exitStatus = 3

        var result = RunResult(timeout: 30, started: now)
        result.finish(exit: .poweredOff(status: 3), events: finished, at: now)
        #expect(result.status == 3 && result.message == nil && result.commandSeconds != nil)

        result = RunResult(timeout: 30, started: now)
        result.finish(exit: .poweredOff(status: 0), events: finished, at: now)
        #expect(result.status == 3, "a lost device write must not turn a failure into success")

        var missing = RunControlChannel.Events()
        missing.failure = RunControlChannel.Failure(status: 127, message: "x: command not found in the guest")
        result = RunResult(timeout: 30, started: now)
        result.finish(exit: .poweredOff(status: 127), events: missing, at: now)
        #expect(result.status == 127 && result.message == "x: command not found in the guest" && !result.showsConsoleTail)

        result = RunResult(timeout: 30, started: now)
        result.finish(exit: .reset, events: RunControlChannel.Events(), at: now)
        #expect(result.status == 125 && result.showsConsoleTail && result.message?.contains("before the command started") == true)

        result = RunResult(timeout: 30, started: now)
        result.finish(exit: .poweredOff(status: 0), events: RunControlChannel.Events(), at: now)
        #expect(result.status == 125 && result.showsConsoleTail)

        result = RunResult(timeout: 2.5, started: now)
        result.finish(exit: .timedOut, events: started, at: now)
        #expect(result.status == 124 && result.timedOut && result.message == "the command timed out after 2.5 s")

        result = RunResult(timeout: 30, started: now)
        result.finish(exit: .timedOut, events: RunControlChannel.Events(), at: now)
        #expect(result.message == "the guest timed out after 30 s before the command started (see --verbose)")
    }

    @Test func runsSkipTheModulesOfDevicesTheyLack() {
        var configuration = MachineConfiguration(board: "virt-riscv64")
        let bare = InitramfsModules.unneeded(by: configuration)
        #expect(Set(bare) == Set(InitramfsModules.disk + InitramfsModules.network + InitramfsModules.entropy + InitramfsModules.input))
        #expect(bare.contains("virtio_input.ko") && bare.contains("evdev.ko") && !bare.contains("virtio_mmio.ko"))
        configuration.inputDevices = [.keyboard]
        configuration.entropyDevice = true
        #expect(Set(InitramfsModules.unneeded(by: configuration)) == Set(InitramfsModules.disk + InitramfsModules.network))
    }

    @Test func guestPathsAreAbsoluteAndNormalized() {
        #expect(GuestPath.normalize("/a/./b//c/../d") == "/a/b/d")
        #expect(GuestPath.normalize("/../..") == "/")
        #expect(GuestPath.resolve("no/such/dir/..", from: "/nonexistent-xemu") == "/nonexistent-xemu/no/such")
        #expect(GuestPath.isWithin("/usr/bin/x", "/usr/bin") && GuestPath.isWithin("/usr/bin", "/usr/bin"))
        #expect(!GuestPath.isWithin("/usr/binx", "/usr/bin") && GuestPath.isWithin("/anything", "/"))
        #expect(GuestRun.isVariableName("_A1") && !GuestRun.isVariableName("1A") && !GuestRun.isVariableName("A-B")
                && !GuestRun.isVariableName(""))
    }

    @Test func reportStringsAreValidJSON() throws {
        let text = JSONValue.array([.string("a\"b\\c\n\u{1}é"), .number(1.23456), .number(nil), .integer(-4), .bool(true), .null]).text
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any]
        #expect(parsed?.first as? String == "a\"b\\c\n\u{1}é")
        #expect(parsed?[1] as? Double == 1.235)
        #expect(parsed?[2] is NSNull && parsed?[3] as? Int == -4)
    }

    @Test func tailKeepsOnlyTheLastBytes() {
        let tail = TailCharBackend(capacity: 8)
        Array("0123456789".utf8).withUnsafeBytes { tail.write($0) }
        Array("ab".utf8).withUnsafeBytes { tail.write($0) }
        #expect(tail.contents == Array("456789ab".utf8))
        Array(String(repeating: "z", count: 20).utf8).withUnsafeBytes { tail.write($0) }
        #expect(tail.contents == Array("zzzzzzzz".utf8))
    }
}
