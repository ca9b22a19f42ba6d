import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's time: monotonic nanoseconds since the machine was created.
///
/// Device timers (RTC, CLINT mtime, the generic timer) and the event loop's timers read this
/// one clock. It normally follows the host's CLOCK_MONOTONIC, so guest time never jumps when
/// the host's wall clock is set; tests use a manual clock that only moves when told to, so
/// timer behaviour is exact and repeatable.
public final class VirtualClock: Sendable {
    private enum Source {
        /// Host monotonic time, minus the reading when the clock was made.
        case host(origin: UInt64)
        case manual
    }

    private let source: Source
    private let manualNow: Atomic<UInt64>

    private init(source: Source, manualNow: UInt64) {
        self.source = source
        self.manualNow = Atomic(manualNow)
    }

    /// A clock that follows the host's monotonic clock, reading zero now.
    public static func host() -> VirtualClock {
        VirtualClock(source: .host(origin: hostMonotonicNanoseconds()), manualNow: 0)
    }

    /// A clock that stands still at `start` until `advance(by:)` or `set(to:)` moves it.
    public static func manual(startingAt start: UInt64 = 0) -> VirtualClock {
        VirtualClock(source: .manual, manualNow: start)
    }

    /// Whether this clock is driven by hand.
    public var isManual: Bool {
        if case .manual = source { return true }
        return false
    }

    /// Nanoseconds since the clock's origin.
    public var now: UInt64 {
        switch source {
        case let .host(origin): Self.hostMonotonicNanoseconds() &- origin
        case .manual: manualNow.load(ordering: .acquiring)
        }
    }

    /// Moves a manual clock forward. Calling it on a host clock is a bug and traps.
    public func advance(by nanoseconds: UInt64) {
        precondition(isManual, "only a manual clock can be advanced")
        manualNow.add(nanoseconds, ordering: .releasing)
    }

    /// Moves a manual clock to `time`, which must not be in its past (the clock is monotonic).
    public func set(to time: UInt64) {
        precondition(isManual, "only a manual clock can be set")
        let previous = manualNow.exchange(time, ordering: .acquiringAndReleasing)
        precondition(time >= previous, "a virtual clock cannot go backwards")
    }

    static func hostMonotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
