import DequeModule
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The serial line on xemu's own terminal (`--serial stdio`, the default).
///
/// When the input is a terminal it goes into raw mode (see `TerminalRawMode`), restored by
/// `stop()` and on every exit path. Input is read on the backend's own thread and passed
/// through the Ctrl-A escape (`ConsoleEscape`): `Ctrl-A x` calls `onQuit`, which the board
/// turns into `MachineExit.userQuit`; `Ctrl-A h` prints help and `Ctrl-A c` answers that
/// there is no monitor yet, both on the messages descriptor (stderr). Output writes block until
/// every byte is written.
public final class StdioCharBackend: CharBackend {
    private let outputFD: Int32
    private let shared: ConsoleInput
    private let outputLock = Mutex(())
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let reader: Mutex<HostThread?>
    /// Whether the input is a terminal that was put into raw mode.
    public let isRawTerminal: Bool

    /// Starts reading `input` (stdin by default). `onQuit` runs on the reader thread when the
    /// user types `Ctrl-A x`.
    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, messages: Int32 = STDERR_FILENO,
                onQuit: @escaping @Sendable () -> Void) throws(CharBackendError) {
        var wake: [Int32] = [-1, -1]
        guard pipe(&wake) == 0 else { throw .cannotCreatePipe(errno: errno) }
        for fd in wake { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        outputFD = output
        wakeRead = wake[0]
        wakeWrite = wake[1]
        let shared = ConsoleInput()
        self.shared = shared
        isRawTerminal = TerminalRawMode.enter(input)
        let wakeFD = wake[0]
        reader = Mutex(HostThread {
            shared.readLoop(input: input, wake: wakeFD, messages: messages, onQuit: onQuit)
        })
    }

    deinit {
        stop()
        // Both ends stay open until here: the reader may have ended on its own (end of input),
        // and a wake-up written to a pipe without a reader would raise SIGPIPE.
        close(wakeRead)
        close(wakeWrite)
    }

    /// Stops the reader thread and restores the terminal. Idempotent.
    public func stop() {
        guard let thread = reader.withLock({ value -> HostThread? in
            defer { value = nil }
            return value
        }) else { return }
        var byte: UInt8 = 0
        _ = Glibc.write(wakeWrite, &byte, 1)
        thread.join()
        if isRawTerminal { TerminalRawMode.restore() }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        outputLock.withLock { _ in _ = FileDescriptorOutput.writeAll(outputFD, bytes) }
    }

    public func readByte() -> UInt8? {
        shared.queue.withLock { $0.popFirst() }
    }

    public var inputAvailable: (@Sendable () -> Void)? {
        get { shared.callback.withLock { $0 } }
        set { shared.callback.withLock { $0 = newValue } }
    }
}

/// What the reader thread shares with the backend: waiting input and the device's callback.
private final class ConsoleInput: Sendable {
    let queue = Mutex(Deque<UInt8>())
    let callback = Mutex<(@Sendable () -> Void)?>(nil)

    /// Reads until `wake` becomes readable or input ends, decoding escapes.
    func readLoop(input: Int32, wake: Int32, messages: Int32, onQuit: @Sendable () -> Void) {
        var escape = ConsoleEscape()
        var buffer = [UInt8](repeating: 0, count: 256)
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
        while true {
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return }
            if fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let n = read(input, &buffer, buffer.count)
            if n < 0, errno == EINTR || errno == EAGAIN { continue }
            guard n > 0 else { return }      // end of input, or it failed: the guest gets no more
            var received: [UInt8] = []
            for byte in buffer[..<n] {
                switch escape.feed(byte) {
                case let .send(value)?: received.append(value)
                case .quit?: onQuit()
                case .monitor?: say("xemu: monitor not available yet\n", on: messages)
                case .help?: say(ConsoleEscape.helpText, on: messages)
                case nil: break
                }
            }
            guard !received.isEmpty else { continue }
            let wasEmpty = queue.withLock { queue in
                defer { queue.append(contentsOf: received) }
                return queue.isEmpty
            }
            if wasEmpty, let notify = callback.withLock({ $0 }) { notify() }
        }
    }

    private func say(_ text: String, on fd: Int32) {
        var text = text
        text.withUTF8 { _ = FileDescriptorOutput.writeAll(fd, UnsafeRawBufferPointer($0)) }
    }
}
