import Machine
import Synchronization

/// The host end of `xemu run`'s control channel: a virtio console (the guest's `/dev/hvc2`) on
/// which the guest's run script reports progress, one line at a time.
///
/// Lines (`GuestRunScript` writes them): `start` just before the command runs, `exit STATUS`
/// after it ended and its output was delivered, `error STATUS MESSAGE` when the script could
/// not run it (the guest then powers off with STATUS). The exit status itself travels through
/// the board's exit device (`RunnableBoard.exitStatusCommands`), not this channel; the channel
/// gives the times of the two phases and the reason for a failure. The guest is untrusted:
/// lines are capped, unknown lines ignored, messages reduced to printable ASCII.
public final class RunControlChannel: CharBackend {
    /// What the guest has reported so far.
    public struct Events: Sendable, Equatable {
        /// When `start` arrived.
        public var started: ContinuousClock.Instant?
        /// When `exit` arrived, and the status it carried.
        public var finished: ContinuousClock.Instant?
        public var exitStatus: Int32?
        /// The first `error` line.
        public var failure: Failure?

        public init() {}
    }

    /// A guest that could not run the command: the status it powers off with, and why.
    public struct Failure: Sendable, Equatable {
        public var status: Int32
        public var message: String
    }

    /// Longest line kept; the rest of a longer one is dropped.
    static let maximumLine = 1024

    private struct State {
        var events = Events()
        var line: [UInt8] = []
    }

    private let state = Mutex(State())
    private let callback = Mutex<(@Sendable () -> Void)?>(nil)

    public init() {}

    public var events: Events { state.withLock { $0.events } }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        let now = ContinuousClock.now
        state.withLock { state in
            for byte in bytes {
                guard byte == UInt8(ascii: "\n") else {
                    if state.line.count < Self.maximumLine { state.line.append(byte) }
                    continue
                }
                Self.interpret(state.line, at: now, into: &state.events)
                state.line.removeAll(keepingCapacity: true)
            }
        }
    }

    private static func interpret(_ line: [UInt8], at now: ContinuousClock.Instant, into events: inout Events) {
        let text = String(decoding: line.filter { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let words = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard let verb = words.first else { return }
        switch verb {
        case "start" where events.started == nil:
            events.started = now
        case "exit" where events.finished == nil && words.count >= 2:
            guard let status = Int32(words[1]) else { return }
            events.finished = now
            events.exitStatus = status
        case "error" where events.failure == nil && words.count >= 2:
            guard let status = Int32(words[1]) else { return }
            let message = words.count > 2 ? String(words[2]) : "the guest could not run the command"
            events.failure = Failure(status: status, message: printable(message))
        default:
            break
        }
    }

    private static func printable(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// The guest never reads from the channel.
    public func readByte() -> UInt8? { nil }

    /// Kept to satisfy `CharBackend`; never called, since no input ever arrives.
    public var inputAvailable: (@Sendable () -> Void)? {
        get { callback.withLock { $0 } }
        set { callback.withLock { $0 = newValue } }
    }
}
