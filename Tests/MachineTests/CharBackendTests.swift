import Foundation
import Synchronization
import Testing
@testable import Machine

/// A counter shared with callbacks on other threads.
final class SharedCounter: Sendable {
    private let storage = Atomic(0)
    func increment() { storage.add(1, ordering: .sequentiallyConsistent) }
    var value: Int { storage.load(ordering: .sequentiallyConsistent) }
}

/// Polls `condition` for up to two seconds.
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<400 {
        if condition() { return true }
        usleep(5000)
    }
    return condition()
}

/// Reads what is available on `fd` within a short wait.
func drain(_ fd: Int32, until text: String) -> String {
    var collected: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 512)
    for _ in 0..<200 {
        var waiter = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        if poll(&waiter, 1, 10) > 0 {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { collected += buffer[..<n] }
        }
        if String(decoding: collected, as: UTF8.self).contains(text) { break }
    }
    return String(decoding: collected, as: UTF8.self)
}

@Suite struct FileCharBackendTests {
    @Test func appendsOutputAndHasNoInput() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let path = dir.appendingPathComponent("serial.log").path
        try "earlier\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            let backend = try FileCharBackend(path: path)
            Array("OpenSBI v1.1\r\n".utf8).withUnsafeBytes { backend.write($0) }
            let big = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
            big.withUnsafeBytes { backend.write($0) }
            #expect(backend.readByte() == nil)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("earlier\nOpenSBI v1.1\r\n"))
        #expect(text.utf8.count == 8 + 14 + (1 << 20))
    }

    @Test func refusesAnUnwritablePath() throws {
        let path = "/nonexistent-dir/serial.log"
        #expect(throws: CharBackendError.cannotOpen(path: path, errno: ENOENT)) { try FileCharBackend(path: path) }
        #expect(CharBackendError.cannotOpen(path: path, errno: ENOENT).description.contains(path))
    }
}

@Suite(.serialized) struct StdioCharBackendTests {
    @Test func pipeInputIsDecodedAndQueued() throws {
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        #expect(pipe(&input) == 0 && pipe(&output) == 0)
        defer { [input[1], output[0], output[1]].forEach { close($0) } }
        let quit = SharedCounter(), notified = SharedCounter()
        let backend = try StdioCharBackend(input: input[0], output: output[1], messages: output[1]) {
            quit.increment()
        }
        #expect(!backend.isRawTerminal)
        backend.inputAvailable = { notified.increment() }
        let typed: [UInt8] = Array("ok".utf8) + [0x01, 0x01, 0x01, UInt8(ascii: "c"), 0x01, UInt8(ascii: "x")]
        _ = typed.withUnsafeBytes { write(input[1], $0.baseAddress, $0.count) }
        #expect(eventually { quit.value == 1 })
        #expect(drain(output[0], until: "monitor") == "xemu: monitor not available yet\n")
        #expect([backend.readByte(), backend.readByte(), backend.readByte(), backend.readByte()] == [0x6F, 0x6B, 0x01, nil])
        #expect(notified.value >= 1)

        Array("guest says hi".utf8).withUnsafeBytes { backend.write($0) }
        #expect(drain(output[0], until: "hi") == "guest says hi")
        backend.stop()
        backend.stop()
    }

    @Test func rawModeOnAPtyIsRestoredOnStop() throws {
        var master: Int32 = -1, slave: Int32 = -1
        #expect(openpty(&master, &slave, nil, nil, nil) == 0)
        defer { close(master); close(slave) }
        var before = termios()
        tcgetattr(slave, &before)
        #expect(before.c_lflag & tcflag_t(ICANON) != 0)

        let quit = SharedCounter()
        let backend = try StdioCharBackend(input: slave, output: slave, messages: slave) {
            quit.increment()
        }
        #expect(backend.isRawTerminal)
        var raw = termios()
        tcgetattr(slave, &raw)
        #expect(raw.c_lflag & tcflag_t(ICANON | ECHO | ISIG) == 0)

        // Ctrl-C reaches the guest as a byte instead of signalling xemu; no echo comes back.
        let typed: [UInt8] = [0x03, UInt8(ascii: "a"), 0x01, UInt8(ascii: "h")]
        _ = typed.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
        let help = drain(master, until: "C-a C-a")
        #expect(help.contains("C-a x    exit xemu"))
        #expect(help.hasPrefix("C-a h"), "nothing typed was echoed before the help")
        #expect(eventually { backend.readByte() == 0x03 })
        #expect(backend.readByte() == UInt8(ascii: "a"))

        Array("line\n".utf8).withUnsafeBytes { backend.write($0) }
        #expect(drain(master, until: "\r\n") == "line\r\n", "output processing stays on")

        backend.stop()
        var after = termios()
        tcgetattr(slave, &after)
        #expect(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag)
        #expect(quit.value == 0)
    }
}

/// The terminal is restored when xemu dies of a signal or exits without stopping the console.
/// Each case runs in a child process that opens the parent's pty by name, enters raw mode and
/// ends; the parent then reads the pty's settings.
@Suite(.serialized) struct TerminalRestoreOnExitTests {
    static func withPty(_ body: (Int32, String) async throws -> Void) async throws {
        var master: Int32 = -1, slave: Int32 = -1
        #expect(openpty(&master, &slave, nil, nil, nil) == 0)
        defer { close(master); close(slave) }
        let name = String(cString: ttyname(slave))
        try await body(slave, name)
        var after = termios()
        tcgetattr(slave, &after)
        #expect(after.c_lflag & tcflag_t(ICANON | ECHO | ISIG) == tcflag_t(ICANON | ECHO | ISIG))
    }

    @Test func restoredWhenKilledBySIGTERM() async throws {
        try await Self.withPty { _, name in
            await #expect(processExitsWith: .signal(SIGTERM)) { [name = name as String] in
                let fd = open(name, O_RDWR | O_NOCTTY)
                let backend = try StdioCharBackend(input: fd, output: fd, messages: fd) {}
                var raw = termios()
                tcgetattr(fd, &raw)
                guard backend.isRawTerminal, raw.c_lflag & tcflag_t(ICANON) == 0 else { exit(3) }
                kill(getpid(), SIGTERM)
                sleep(5)
            }
        }
    }

    @Test func restoredWhenExitingWithoutStop() async throws {
        try await Self.withPty { _, name in
            await #expect(processExitsWith: .exitCode(7)) { [name = name as String] in
                let fd = open(name, O_RDWR | O_NOCTTY)
                let backend = try StdioCharBackend(input: fd, output: fd, messages: fd) {}
                guard backend.isRawTerminal else { exit(3) }
                exit(7)
            }
        }
    }
}

@Suite struct StdioEndOfInputTests {
    @Test func endOfInputThenStopIsSafe() throws {
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0]
        #expect(pipe(&input) == 0 && pipe(&output) == 0)
        defer { [input[0], output[0], output[1]].forEach { close($0) } }
        let backend = try StdioCharBackend(input: input[0], output: output[1], messages: output[1]) {}
        _ = [UInt8]("z".utf8).withUnsafeBytes { write(input[1], $0.baseAddress, 1) }
        close(input[1])                      // end of input: the reader thread ends by itself
        #expect(eventually { backend.readByte() == UInt8(ascii: "z") })
        usleep(20_000)
        backend.stop()                       // must neither hang nor raise SIGPIPE
        #expect(backend.readByte() == nil)
    }
}
