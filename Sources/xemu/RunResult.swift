import Boards
import Machine

/// How one `xemu run` ended, from the machine's exit and what the guest reported on the control
/// channel: the status xemu exits with, the one line it prints (none when the command simply
/// finished), and the two phases' times.
struct RunResult {
    /// xemu or the guest failed around the command (as `docker run` uses it).
    static let failureStatus: Int32 = 125

    let started: ContinuousClock.Instant
    let timeout: Double?
    /// When the guest reported the command's start.
    private(set) var commandStarted: ContinuousClock.Instant?
    /// When the command ended (its exit report, or the machine's end if that never came).
    private(set) var commandEnded: ContinuousClock.Instant?
    private(set) var ended: ContinuousClock.Instant?
    private(set) var status: Int32 = RunResult.failureStatus
    /// What xemu prints after `xemu: `; nil when it exits with the command's status silently.
    private(set) var message: String?
    private(set) var timedOut = false
    /// Whether the hidden kernel console explains the failure (the guest never got to, or
    /// died around, the command).
    private(set) var showsConsoleTail = false

    init(timeout: Double?, started: ContinuousClock.Instant) {
        self.started = started
        self.timeout = timeout
    }

    /// Seconds from xemu's start to the command's start.
    var bootSeconds: Double? { commandStarted.map { Self.seconds(started, $0) } }
    /// Seconds the command ran.
    var commandSeconds: Double? {
        guard let commandStarted, let commandEnded else { return nil }
        return Self.seconds(commandStarted, commandEnded)
    }
    var totalSeconds: Double? { ended.map { Self.seconds(started, $0) } }

    /// The machine could not be built or run.
    mutating func fail(_ text: String, at now: ContinuousClock.Instant) {
        ended = now
        status = Self.failureStatus
        message = text
    }

    mutating func finish(exit: MachineExit, events: RunControlChannel.Events, at now: ContinuousClock.Instant) {
        ended = now
        commandStarted = events.started
        if events.started != nil { commandEnded = events.finished ?? now }
        let running = events.started == nil ? "before the command started" : "while the command ran"
        switch exit {
        case let .poweredOff(deviceStatus):
            if let failure = events.failure {
                status = (1...255).contains(failure.status) ? failure.status : Self.failureStatus
                message = failure.message
                showsConsoleTail = failure.status == Self.failureStatus
            } else if events.started == nil {
                message = "the guest powered off (status \(deviceStatus)) \(running)"
                showsConsoleTail = true
            } else {
                // The exit device is the authority; a guest whose device write was lost and that
                // powered off plainly still must not turn a failing command into a success.
                let reported = deviceStatus == 0 ? (events.exitStatus ?? 0) : deviceStatus
                if (0...255).contains(reported) {
                    status = reported
                } else {
                    message = "the guest reported exit status \(reported), which a host process cannot exit with"
                }
            }
        case .reset:
            message = "the guest rebooted \(running) (a kernel panic? run with --verbose to see the console)"
            showsConsoleTail = true
        case .timedOut:
            timedOut = true
            status = CommandFailure.timeoutStatus
            let seconds = BootCommand.secondsText(timeout ?? 0)
            message = events.started == nil
                ? "the guest timed out after \(seconds) s before the command started (see --verbose)"
                : "the command timed out after \(seconds) s"
        case .userQuit:
            message = "the guest was stopped \(running)"
        }
    }

    private static func seconds(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Double {
        let duration = from.duration(to: to)
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
