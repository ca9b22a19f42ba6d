import Testing
@testable import Devices
import Machine
import Synchronization

@Suite struct CLINTTests {
    /// A timebase the test moves by hand.
    final class ManualTicks: Sendable {
        let ticks = Atomic<UInt64>(0)
        var timebase: Timebase { Timebase(frequency: 10_000_000) { [self] in ticks.load(ordering: .relaxed) } }
        func advance(_ by: UInt64) { ticks.add(by, ordering: .relaxed) }
    }

    @Test func softwareInterruptFollowsMsipBitZero() {
        let harts = [FakeInterruptController(), FakeInterruptController()]
        let clint = CLINT(harts: harts.map { CLINT.HartLines(hart: $0) }, timebase: ManualTicks().timebase)
        clint.write(offset: 4, size: 4, value: 0xFFFF_FFFF)
        #expect(harts[1].level(3) && !harts[0].level(3))
        #expect(clint.read(offset: 4, size: 4) == 1)
        clint.write(offset: 4, size: 4, value: 2)
        #expect(!harts[1].level(3))
        #expect(clint.read(offset: 8, size: 4) == 0) // no third hart
    }

    @Test func mtimecmpRaisesAndLowersMTIPAcrossWidths() {
        let ticks = ManualTicks()
        let hart = FakeInterruptController()
        let clint = CLINT(harts: [CLINT.HartLines(hart: hart)], timebase: ticks.timebase)
        #expect(clint.read(offset: 0x4000, size: 8) == UInt64.max)
        ticks.advance(1000)
        clint.write(offset: 0x4000, size: 8, value: 500)
        #expect(hart.level(7))
        clint.write(offset: 0x4004, size: 4, value: 1) // upper half: 0x1_0000_01F4
        #expect(!hart.level(7))
        #expect(clint.read(offset: 0x4000, size: 8) == 0x1_0000_01F4)
        #expect(clint.read(offset: 0x4004, size: 4) == 1)
        clint.write(offset: 0x4004, size: 4, value: 0)
        #expect(hart.level(7))
    }

    @Test func mtimeReadsAndWritesInBothHalves() {
        let ticks = ManualTicks()
        let clint = CLINT(harts: [CLINT.HartLines(hart: FakeInterruptController())], timebase: ticks.timebase)
        ticks.advance(77)
        #expect(clint.read(offset: 0xBFF8, size: 8) == 77)
        clint.write(offset: 0xBFFC, size: 4, value: 2)
        #expect(clint.read(offset: 0xBFF8, size: 8) == 0x2_0000_004D)
        ticks.advance(3)
        #expect(clint.read(offset: 0xBFF8, size: 4) == 0x50)
        #expect(clint.read(offset: 0xBFFC, size: 4) == 2)
        #expect(clint.read(offset: 0x8000, size: 4) == 0) // a hole in the map
    }

    @Test func mtimeCountsAtRoughlyTenMegahertz() async throws {
        let clint = CLINT(harts: [CLINT.HartLines(hart: FakeInterruptController())])
        let clock = ContinuousClock()
        let hostStart = clock.now
        let start = clint.read(offset: 0xBFF8, size: 8)
        try await Task.sleep(for: .milliseconds(100))
        let elapsed = clint.read(offset: 0xBFF8, size: 8) - start
        let hostElapsed = clock.now - hostStart
        // At least the 100 ms slept, at most the host time around both reads (loose: 5%).
        let hostTicks = Double(hostElapsed.components.seconds) * 1e7 + Double(hostElapsed.components.attoseconds) / 1e11
        #expect(elapsed >= 990_000)
        #expect(Double(elapsed) <= hostTicks * 1.05)
    }

    @Test func timerInterruptFiresWithoutFurtherAccesses() async throws {
        let hart = FakeInterruptController()
        let clint = CLINT(harts: [CLINT.HartLines(hart: hart)])
        let now = clint.read(offset: 0xBFF8, size: 8)
        clint.write(offset: 0x4000, size: 8, value: now + 200_000) // 20 ms ahead
        #expect(!hart.level(7))
        var waited = 0
        while !hart.level(7), waited < 100 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(hart.level(7))
        #expect(clint.mtime >= now + 200_000)
    }

    @Test func rewritingMtimecmpLaterCancelsTheEarlierDeadline() async throws {
        let hart = FakeInterruptController()
        let clint = CLINT(harts: [CLINT.HartLines(hart: hart)])
        let now = clint.mtime
        clint.write(offset: 0x4000, size: 8, value: now + 100_000)
        clint.write(offset: 0x4000, size: 8, value: now + 36_000_000_000) // an hour away
        try await Task.sleep(for: .milliseconds(50))
        #expect(!hart.level(7))
        #expect(hart.changes == 0)
    }

    @Test func writingMtimePastMtimecmpRaisesMTIPAndBackLowersIt() {
        let ticks = ManualTicks()
        let hart = FakeInterruptController()
        let clint = CLINT(harts: [CLINT.HartLines(hart: hart)], timebase: ticks.timebase)
        clint.write(offset: 0x4000, size: 8, value: 1_000_000)
        #expect(!hart.level(7))
        clint.write(offset: 0xBFF8, size: 8, value: 1_000_000)
        #expect(hart.level(7))
        clint.write(offset: 0xBFF8, size: 8, value: 5)
        #expect(!hart.level(7))
        ticks.advance(999_995)
        #expect(clint.read(offset: 0xBFF8, size: 8) == 1_000_000)
        #expect(hart.level(7)) // a read of mtime notices the passed deadline at once
    }
}
