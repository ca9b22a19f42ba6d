import Testing
@testable import Devices

@Suite struct AdaptivePollWindowTests {
    /// Kicks that keep arriving soon after the worker sleeps grow the window up to the limit;
    /// one that arrives after the limit halves it, and long sleeps bring it back to 0.
    @Test func growsWhileKicksComeSoonAndShrinksWhenTheyDoNot() {
        var window = AdaptivePollWindow(limit: 32_768)
        #expect(window.nanoseconds == 0)
        var grown: [UInt64] = []
        for _ in 0..<5 {
            window.update(asleep: 32_500)
            grown.append(window.nanoseconds)
        }
        #expect(grown == [4_000, 8_000, 16_000, 32_000, 32_768])
        window.update(asleep: 1_000_000)
        #expect(window.nanoseconds == 16_384)
        for _ in 0..<3 { window.update(asleep: 1_000_000) }
        #expect(window.nanoseconds == 0)
    }

    /// A sleep shorter than the window (a kick the poll only just missed) leaves it alone, and
    /// a limit of 0 never polls.
    @Test func shortSleepsKeepTheWindowAndZeroLimitNeverPolls() {
        var window = AdaptivePollWindow(limit: 32_768)
        for _ in 0..<3 { window.update(asleep: 10_000) }
        #expect(window.nanoseconds == 16_000)
        window.update(asleep: 9_000)
        #expect(window.nanoseconds == 16_000)
        var off = AdaptivePollWindow(limit: 0)
        off.update(asleep: 0)
        off.update(asleep: 5)
        #expect(off.nanoseconds == 0)
    }
}
