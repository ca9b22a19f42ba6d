import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's I/O thread: waits with poll(2) on host descriptors (console, network sockets)
/// and on the next timer deadline, and runs their callbacks.
///
/// Other threads reach it through a wake-up pipe: `perform` queues work for the loop's thread,
/// `watch`/`unwatch` change the descriptor set, arming a timer earlier than every other wakes
/// it, and `stop` ends it promptly. Participants (libslirp) add their own descriptors and
/// deadline to each iteration. Callbacks run on the loop's thread, one at a time.
public final class EventLoop: Sendable {
    public let timers: TimerQueue
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let state = Mutex(State())
    private let thread = Mutex<HostThread?>(nil)

    /// A watched descriptor.
    public struct WatchID: Hashable, Sendable { let value: UInt64 }

    private struct Watch {
        let fd: Int32
        let events: PollEvents
        let callback: @Sendable (PollEvents) -> Void
    }

    private struct State {
        var watches: [UInt64: Watch] = [:]
        var participants: [ObjectIdentifier: any EventLoopParticipant] = [:]
        var work: [@Sendable () -> Void] = []
        var nextID: UInt64 = 0
        var stopRequested = false
        var loopThread: pthread_t?
    }

    public init(clock: VirtualClock) throws(EventLoopError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .cannotCreateWakePipe(errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        timers = TimerQueue(clock: clock)
        let wakeFD = wakeWrite
        timers.onEarlierDeadline { Self.wake(wakeFD) }
    }

    deinit {
        stop()
        close(wakeRead)
        close(wakeWrite)
    }

    /// Runs the loop on a new thread of its own.
    public func start() {
        thread.withLock { thread in
            precondition(thread == nil, "the event loop is already running")
            thread = HostThread { [self] in run() }
        }
    }

    /// Runs the loop on the calling thread until `stop()`. A stopped loop stays stopped: this
    /// then returns at once.
    public func run() {
        state.withLock { $0.loopThread = pthread_self() }
        while iterate() {}
        state.withLock { $0.loopThread = nil }
    }

    /// Ends the loop after its current callback. From another thread, returns once the loop's
    /// own thread (if `start()` made one) has finished; from a callback, returns at once.
    public func stop() {
        let onLoopThread = state.withLock { state -> Bool in
            state.stopRequested = true
            return state.loopThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        }
        wake()
        guard !onLoopThread, let running = thread.withLock({ thread -> HostThread? in
            defer { thread = nil }
            return thread
        }) else { return }
        running.join()
    }

    /// Makes a waiting loop go round once (to notice new work, descriptors or a moved clock).
    public func wake() { Self.wake(wakeWrite) }

    private static func wake(_ fd: Int32) {
        var byte: UInt8 = 1
        // A full pipe already holds a wake-up, so EAGAIN needs nothing more.
        while write(fd, &byte, 1) < 0, errno == EINTR {}
    }

    /// Runs `work` on the loop's thread at its next iteration.
    public func perform(_ work: @escaping @Sendable () -> Void) {
        state.withLock { $0.work.append(work) }
        wake()
    }

    /// Calls `callback` on the loop's thread whenever `fd` is ready for any of `events`
    /// (errors and hang-ups are always reported). The descriptor stays the caller's to close,
    /// after `unwatch`.
    public func watch(_ fd: Int32, for events: PollEvents, _ callback: @escaping @Sendable (PollEvents) -> Void) -> WatchID {
        let id = state.withLock { state in
            state.nextID += 1
            state.watches[state.nextID] = Watch(fd: fd, events: events, callback: callback)
            return state.nextID
        }
        wake()
        return WatchID(value: id)
    }

    /// Stops watching; no callback for it starts after this returns on the loop's thread.
    public func unwatch(_ id: WatchID) {
        _ = state.withLock { $0.watches.removeValue(forKey: id.value) }
        wake()
    }

    /// Adds a participant to every iteration from the next one on.
    public func add(_ participant: any EventLoopParticipant) {
        state.withLock { $0.participants[ObjectIdentifier(participant)] = participant }
        wake()
    }

    public func remove(_ participant: any EventLoopParticipant) {
        _ = state.withLock { $0.participants.removeValue(forKey: ObjectIdentifier(participant)) }
        wake()
    }

    /// One round: queued work, poll, descriptor callbacks, participants, expired timers.
    /// Returns false once a stop was asked for.
    private func iterate() -> Bool {
        let (work, watches, participants, stopping) = state.withLock { state in
            defer { state.work.removeAll() }
            return (state.work, state.watches, Array(state.participants.values), state.stopRequested)
        }
        guard !stopping else { return false }
        for item in work { item() }

        var set = PollSet()
        _ = set.add(wakeRead, .readable)
        let watchOrder = Array(watches.keys)
        for id in watchOrder { _ = set.add(watches[id]!.fd, watches[id]!.events) }
        var wait: UInt64? = nil
        for participant in participants {
            if let limit = participant.preparePoll(&set) { wait = min(wait ?? limit, limit) }
        }
        if !work.isEmpty { wait = 0 }    // work may have armed timers or queued more work
        if let deadline = timers.nextDeadline {
            let now = timers.clock.now
            let untilDeadline = deadline > now ? deadline - now : 0
            wait = min(wait ?? untilDeadline, untilDeadline)
        }
        // poll counts milliseconds: round up, so a timer never fires before its deadline.
        let timeout = wait.map { Int32(clamping: ($0 / 1_000_000) + ($0 % 1_000_000 == 0 ? 0 : 1)) } ?? -1
        let ready = set.entries.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }

        if ready > 0 {
            if set.events(at: 0).contains(.readable) { drainWakePipe() }
            for (offset, id) in watchOrder.enumerated() {
                let events = set.events(at: offset + 1)
                guard !events.isEmpty, let watch = state.withLock({ $0.watches[id] }) else { continue }
                watch.callback(events)
            }
        }
        for participant in participants { participant.dispatchPoll(set) }
        timers.fireExpired()
        return true
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }
}
