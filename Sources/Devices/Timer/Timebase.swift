#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A free-running tick counter at a fixed frequency: what a platform timer (the CLINT's
/// `mtime`, 10 MHz on QEMU's riscv64 `virt`) counts.
///
/// The count comes from one closure so that the host's monotonic clock used today can be
/// swapped for the machine's virtual clock without touching the devices that read it.
public struct Timebase: Sendable {
    /// Ticks per second.
    public let frequency: UInt64
    private let ticks: @Sendable () -> UInt64

    /// A timebase counting `ticks()` at `frequency` ticks per second.
    public init(frequency: UInt64, ticks: @escaping @Sendable () -> UInt64) {
        precondition(frequency > 0 && frequency <= 1_000_000_000, "timebase frequency must be 1 Hz ... 1 GHz")
        self.frequency = frequency
        self.ticks = ticks
    }

    /// The current tick count.
    public func now() -> UInt64 { ticks() }

    /// Host time for `ticks` ticks, in nanoseconds, saturating at `UInt64.max`.
    public func nanoseconds(forTicks ticks: UInt64) -> UInt64 {
        let (high, low) = ticks.multipliedFullWidth(by: 1_000_000_000)
        guard high < frequency else { return .max }
        return frequency.dividingFullWidth((high, low)).quotient
    }

    /// A timebase driven by the host's monotonic clock, counting from zero at the time of the
    /// call (as a freshly reset timer does).
    public static func hostMonotonic(frequency: UInt64) -> Timebase {
        let start = MonotonicClock.nanoseconds()
        return Timebase(frequency: frequency) {
            let elapsed = MonotonicClock.nanoseconds() &- start
            let (high, low) = elapsed.multipliedFullWidth(by: frequency)
            return UInt64(1_000_000_000).dividingFullWidth((high, low)).quotient
        }
    }
}

/// The host's monotonic clock (CLOCK_MONOTONIC), which never jumps with wall-clock changes.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
