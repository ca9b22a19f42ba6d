import Synchronization
import Testing
@testable import Machine

/// Records the order callbacks ran in, with the virtual time of each.
final class FiringLog: Sendable {
    private let entries = Mutex<[(String, UInt64)]>([])
    func note(_ name: String, _ clock: VirtualClock) { entries.withLock { $0.append((name, clock.now)) } }
    var names: [String] { entries.withLock { $0.map(\.0) } }
    var all: [(String, UInt64)] { entries.withLock { $0 } }
}

@Suite struct VirtualClockTests {
    @Test func manualClockMovesOnlyWhenTold() {
        let clock = VirtualClock.manual(startingAt: 100)
        #expect(clock.now == 100 && clock.isManual)
        clock.advance(by: 50)
        #expect(clock.now == 150)
        clock.set(to: 1_000)
        #expect(clock.now == 1_000)
    }

    @Test func hostClockIsMonotonicFromZero() {
        let clock = VirtualClock.host()
        let first = clock.now
        var last = first
        for _ in 0..<1000 {
            let next = clock.now
            #expect(next >= last)
            last = next
        }
        #expect(first < 1_000_000_000, "starts near zero")
        #expect(!clock.isManual)
    }
}

@Suite struct TimerQueueTests {
    @Test func oneShotTimersFireInDeadlineOrderAtTheirTimes() {
        let clock = VirtualClock.manual()
        let queue = TimerQueue(clock: clock)
        let log = FiringLog()
        let late = queue.makeTimer { log.note("late", clock) }
        let early = queue.makeTimer { log.note("early", clock) }
        let tieA = queue.makeTimer { log.note("tieA", clock) }
        let tieB = queue.makeTimer { log.note("tieB", clock) }
        late.schedule(at: 3_000)
        early.schedule(after: 1_000)
        tieB.schedule(at: 2_000)
        tieA.schedule(at: 2_000)       // armed after tieB: fires after it
        #expect(queue.nextDeadline == 1_000)

        clock.set(to: 999)
        #expect(queue.fireExpired() == 0)
        clock.set(to: 1_000)
        #expect(queue.fireExpired() == 1)
        #expect(early.deadline == nil)
        clock.set(to: 5_000)
        #expect(queue.fireExpired() == 3)
        #expect(log.names == ["early", "tieB", "tieA", "late"])
        #expect(queue.nextDeadline == nil)
        #expect(queue.fireExpired() == 0, "one-shot timers fire once")
    }

    @Test func periodicTimersRepeatAndSkipMissedTicks() {
        let clock = VirtualClock.manual()
        let queue = TimerQueue(clock: clock)
        let log = FiringLog()
        let tick = queue.makeTimer { log.note("tick", clock) }
        tick.schedulePeriodic(every: 10)
        for time in stride(from: 5, through: 45, by: 5) {
            clock.set(to: UInt64(time))
            queue.fireExpired()
        }
        #expect(log.all.map(\.1) == [10, 20, 30, 40])
        #expect(tick.deadline == 50)
        // The host stalled for 3.5 periods: one tick now, the next on the original phase.
        clock.set(to: 85)
        #expect(queue.fireExpired() == 1)
        #expect(tick.deadline == 90)
    }

    @Test func cancelAndRescheduleAndSelfRearm() {
        let clock = VirtualClock.manual()
        let queue = TimerQueue(clock: clock)
        let log = FiringLog()
        let cancelled = queue.makeTimer { log.note("cancelled", clock) }
        cancelled.schedule(at: 10)
        cancelled.cancel()
        #expect(cancelled.deadline == nil)

        let moved = queue.makeTimer { log.note("moved", clock) }
        moved.schedule(at: 10)
        moved.schedule(at: 30)         // re-arming moves it: one expiry only

        let box = Mutex<MachineTimer?>(nil)
        let chain = queue.makeTimer {
            log.note("chain", clock)
            box.withLock { $0?.schedule(after: 15) }
        }
        box.withLock { $0 = chain }
        chain.schedule(at: 5)

        clock.set(to: 20)
        queue.fireExpired()
        #expect(log.names == ["chain"], "a self-rearmed timer waits for its new deadline")
        clock.set(to: 40)
        queue.fireExpired()
        #expect(log.all.map { "\($0.0)@\($0.1)" } == ["chain@20", "moved@40", "chain@40"], "moved (30) before chain (35)")
        box.withLock { $0 = nil }
    }

    @Test func releasedTimersNeverFire() {
        let clock = VirtualClock.manual()
        let queue = TimerQueue(clock: clock)
        let log = FiringLog()
        do {
            let gone = queue.makeTimer { log.note("gone", clock) }
            gone.schedule(at: 1)
        }
        clock.set(to: 10)
        #expect(queue.fireExpired() == 0 && log.names.isEmpty)
    }
}
