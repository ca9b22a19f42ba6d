import Synchronization

/// The machine's timers: one-shot and periodic callbacks at `VirtualClock` times.
///
/// A timer is armed from any thread; its callback runs on whichever thread calls
/// `fireExpired()`, which is the `EventLoop`'s thread in a running machine and the test itself
/// under a manual clock. Expired timers fire in deadline order (ties in the order they were
/// armed). A callback may re-arm or cancel any timer, its own included.
public final class TimerQueue: Sendable {
    public let clock: VirtualClock
    private let state = Mutex(State())
    /// Called when a timer is armed earlier than every armed timer, so a sleeping event loop
    /// wakes up to shorten its wait.
    private let earlierDeadline = Mutex<(@Sendable () -> Void)?>(nil)

    struct Entry {
        var deadline: UInt64?
        /// Zero for a one-shot timer.
        var period: UInt64 = 0
        /// When it was armed, to break ties between equal deadlines.
        var order: UInt64 = 0
        let callback: @Sendable () -> Void
    }

    struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var nextOrder: UInt64 = 0

        var earliest: UInt64? { entries.values.compactMap(\.deadline).min() }
    }

    public init(clock: VirtualClock) { self.clock = clock }

    /// A new, unarmed timer that runs `callback` when it expires. The timer stops for good
    /// when the returned handle is released.
    public func makeTimer(_ callback: @escaping @Sendable () -> Void) -> MachineTimer {
        let id = state.withLock { state in
            state.nextID += 1
            state.entries[state.nextID] = Entry(callback: callback)
            return state.nextID
        }
        return MachineTimer(queue: self, id: id)
    }

    /// The earliest armed deadline, if any timer is armed.
    public var nextDeadline: UInt64? { state.withLock { $0.earliest } }

    /// Runs the callback of every timer whose deadline has passed, each at most once per call,
    /// in deadline order. A periodic timer is re-armed one period after its deadline; if the
    /// clock has already passed that too (the host stalled), the missed ticks are skipped
    /// rather than fired in a burst. Returns how many callbacks ran.
    @discardableResult
    public func fireExpired() -> Int {
        let now = clock.now
        var fired: [UInt64] = []
        while let callback = state.withLock({ state in Self.takeNextExpired(&state, now: now, skipping: fired) }) {
            fired.append(callback.id)
            callback.run()
        }
        return fired.count
    }

    private static func takeNextExpired(_ state: inout State, now: UInt64,
                                        skipping fired: [UInt64]) -> (id: UInt64, run: @Sendable () -> Void)? {
        var best: (id: UInt64, entry: Entry)?
        for (id, entry) in state.entries {
            guard let deadline = entry.deadline, deadline <= now, !fired.contains(id) else { continue }
            if let current = best, (current.entry.deadline!, current.entry.order) <= (deadline, entry.order) { continue }
            best = (id, entry)
        }
        guard let (id, entry) = best, let deadline = entry.deadline else { return nil }
        if entry.period > 0 {
            let (next, overflow) = deadline.addingReportingOverflow(entry.period)
            if overflow {
                state.entries[id]?.deadline = nil
            } else if next > now {
                state.entries[id]?.deadline = next
            } else {
                // Keep the timer's phase: the first tick after now.
                let missed = (now - deadline) / entry.period
                state.entries[id]?.deadline = deadline &+ (missed + 1) &* entry.period
            }
        } else {
            state.entries[id]?.deadline = nil
        }
        return (id, entry.callback)
    }

    /// Sets the hook an event loop uses to learn of a new earliest deadline.
    func onEarlierDeadline(_ hook: (@Sendable () -> Void)?) {
        earlierDeadline.withLock { $0 = hook }
    }

    func arm(_ id: UInt64, at deadline: UInt64, period: UInt64) {
        let isEarliest = state.withLock { state -> Bool in
            let earliest = state.earliest
            state.nextOrder += 1
            state.entries[id]?.deadline = deadline
            state.entries[id]?.period = period
            state.entries[id]?.order = state.nextOrder
            return earliest.map { deadline < $0 } ?? true
        }
        if isEarliest, let hook = earlierDeadline.withLock({ $0 }) { hook() }
    }

    func disarm(_ id: UInt64) {
        state.withLock { $0.entries[id]?.deadline = nil }
    }

    func deadline(of id: UInt64) -> UInt64? {
        state.withLock { $0.entries[id]?.deadline }
    }

    func remove(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }
}

/// One timer of a `TimerQueue`: arm it for a time or a period, cancel it, re-arm it.
///
/// Re-arming an armed timer moves it (there is never more than one pending expiry).
public final class MachineTimer: Sendable {
    private let queue: TimerQueue
    private let id: UInt64

    init(queue: TimerQueue, id: UInt64) {
        self.queue = queue
        self.id = id
    }

    deinit { queue.remove(id) }

    /// Fires once at virtual time `deadline` (at once, on the next `fireExpired`, if it is past).
    public func schedule(at deadline: UInt64) { queue.arm(id, at: deadline, period: 0) }

    /// Fires once `delay` nanoseconds from now.
    public func schedule(after delay: UInt64) { schedule(at: queue.clock.now &+ delay) }

    /// Fires every `period` nanoseconds, first `period` from now.
    public func schedulePeriodic(every period: UInt64) {
        precondition(period > 0, "a periodic timer needs a non-zero period")
        queue.arm(id, at: queue.clock.now &+ period, period: period)
    }

    /// Disarms the timer; it can be armed again.
    public func cancel() { queue.disarm(id) }

    /// When the timer next fires, or nil if it is not armed.
    public var deadline: UInt64? { queue.deadline(of: id) }
}
