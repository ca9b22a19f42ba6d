#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One-shot deadlines on a `Timebase`, fired from a host thread that sleeps until the earliest.
///
/// A device that must raise an interrupt at a guest-programmed time (the CLINT's `mtimecmp`)
/// arms a slot here; `handler(slot)` runs on the timer thread once the timebase reaches the
/// deadline, even if the guest never touches the device again. Arming a slot replaces its
/// previous deadline and wakes the thread so that an earlier deadline is honoured. The thread
/// starts at the first `arm` and ends at `stop()`. This type is the only place that knows how
/// time passes on the host, so the machine's event loop can replace it later.
public final class HostDeadlineTimer: @unchecked Sendable {
    public typealias Handler = @Sendable (_ slot: Int) -> Void

    private let timebase: Timebase
    private let handler: Handler
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Deadline per slot in timebase ticks; `UInt64.max` when the slot is disarmed.
    private var deadlines: [UInt64]
    private var threadStarted = false
    private var stopped = false
    /// Longest single sleep, so that a deadline far away never overflows the wait computation.
    private static let maximumSleepNanoseconds: UInt64 = 3_600_000_000_000

    /// A timer with `slots` independent deadlines, all disarmed.
    public init(timebase: Timebase, slots: Int, handler: @escaping Handler) {
        self.timebase = timebase
        self.handler = handler
        self.deadlines = Array(repeating: .max, count: slots)
        pthread_mutex_init(mutex, nil)
        #if os(Linux)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
        #else
        pthread_cond_init(condition, nil)
        #endif
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Fires `handler(slot)` once the timebase reaches `deadline` (at once if it already has).
    public func arm(slot: Int, at deadline: UInt64) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !stopped, deadlines.indices.contains(slot) else { return }
        deadlines[slot] = deadline
        if !threadStarted {
            threadStarted = true
            startThread()
        }
        pthread_cond_signal(condition)
    }

    /// Cancels the slot's deadline, if any.
    public func disarm(slot: Int) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard deadlines.indices.contains(slot) else { return }
        deadlines[slot] = .max
    }

    /// Ends the timer thread; no handler runs after this returns, except one already running.
    public func stop() {
        pthread_mutex_lock(mutex)
        stopped = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func startThread() {
        let context = Unmanaged.passRetained(self).toOpaque()
        #if os(Linux)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, nil, { context in
            let timer = Unmanaged<HostDeadlineTimer>.fromOpaque(context!).takeRetainedValue()
            timer.runLoop()
            return nil
        }, context)
        precondition(result == 0, "cannot start the timer thread (pthread_create: \(result))")
        #if os(Linux)
        pthread_detach(thread)
        #else
        pthread_detach(thread!)
        #endif
    }

    /// The timer thread: sleeps until the earliest deadline, fires every due slot, repeats.
    private func runLoop() {
        var due: [Int] = []
        due.reserveCapacity(deadlines.count)
        pthread_mutex_lock(mutex)
        while !stopped {
            let now = timebase.now()
            var earliest = UInt64.max
            for (slot, deadline) in deadlines.enumerated() where deadline != .max {
                if deadline <= now {
                    due.append(slot)
                    deadlines[slot] = .max
                } else {
                    earliest = min(earliest, deadline)
                }
            }
            if !due.isEmpty {
                pthread_mutex_unlock(mutex)
                for slot in due { handler(slot) }
                due.removeAll(keepingCapacity: true)
                pthread_mutex_lock(mutex)
                continue
            }
            if earliest == .max {
                pthread_cond_wait(condition, mutex)
            } else {
                let delay = min(timebase.nanoseconds(forTicks: earliest - now), Self.maximumSleepNanoseconds)
                sleep(nanoseconds: delay)
            }
        }
        pthread_mutex_unlock(mutex)
    }

    /// Waits on the condition for at most `nanoseconds` (the mutex is held on entry and exit).
    private func sleep(nanoseconds: UInt64) {
        #if os(Linux)
        let wake = MonotonicClock.nanoseconds() &+ nanoseconds
        var deadline = timespec(tv_sec: Int(wake / 1_000_000_000), tv_nsec: Int(wake % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &deadline)
        #else
        var relative = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        pthread_cond_timedwait_relative_np(condition, mutex, &relative)
        #endif
    }
}
