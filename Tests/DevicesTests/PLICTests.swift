import Testing
@testable import Devices
import Machine

@Suite struct PLICTests {
    /// A PLIC wired as on `virt`, with one fake interrupt controller per hart (MEIP = line 11,
    /// SEIP = line 9).
    struct Rig {
        let plic: PLIC
        let harts: [FakeInterruptController]

        init(harts count: Int = 1, sources: Int = 95) {
            harts = (0..<count).map { _ in FakeInterruptController() }
            plic = PLIC(sourceCount: sources, contexts: PLIC.hartContexts(harts))
        }

        func setPriority(_ source: Int, _ priority: UInt64) { plic.write(offset: UInt64(4 * source), size: 4, value: priority) }
        func priority(_ source: Int) -> UInt64 { plic.read(offset: UInt64(4 * source), size: 4) }
        func pendingWord(_ word: Int) -> UInt64 { plic.read(offset: 0x1000 + UInt64(4 * word), size: 4) }

        static func enableOffset(context: Int, word: Int) -> UInt64 { 0x2000 + 0x80 * UInt64(context) + 4 * UInt64(word) }
        func setEnable(context: Int, word: Int, _ bits: UInt64) { plic.write(offset: Self.enableOffset(context: context, word: word), size: 4, value: bits) }
        func enable(context: Int, word: Int) -> UInt64 { plic.read(offset: Self.enableOffset(context: context, word: word), size: 4) }
        /// Enables `sources` (all in one word) for `context`, replacing that word.
        func enable(context: Int, _ sources: [Int]) {
            setEnable(context: context, word: sources[0] / 32, sources.reduce(0) { $0 | 1 << UInt64($1 % 32) })
        }

        static func thresholdOffset(context: Int) -> UInt64 { 0x20_0000 + 0x1000 * UInt64(context) }
        func setThreshold(context: Int, _ value: UInt64) { plic.write(offset: Self.thresholdOffset(context: context), size: 4, value: value) }
        func threshold(context: Int) -> UInt64 { plic.read(offset: Self.thresholdOffset(context: context), size: 4) }
        func claim(context: Int) -> UInt64 { plic.read(offset: Self.thresholdOffset(context: context) + 4, size: 4) }
        func complete(context: Int, _ source: UInt64) { plic.write(offset: Self.thresholdOffset(context: context) + 4, size: 4, value: source) }

        /// MEIP of hart h is context 2h's output, SEIP context 2h + 1's.
        func meip(_ hart: Int = 0) -> Bool { harts[hart].level(11) }
        func seip(_ hart: Int = 0) -> Bool { harts[hart].level(9) }
    }

    @Test func sizesAndCountsAreThoseOfVirt() {
        let rig = Rig(harts: 2)
        #expect(PLIC.regionSize == 0x60_0000)
        #expect(rig.plic.sourceCount == 95)
        #expect(rig.plic.contextCount == 4)
    }

    @Test func prioritiesAreThreeBitWARLAndSourceZeroDoesNotExist() {
        let rig = Rig()
        rig.setPriority(10, 0xFFFF_FFFD)
        #expect(rig.priority(10) == 5)
        rig.setPriority(95, 7)
        #expect(rig.priority(95) == 7)
        rig.setPriority(0, 7)
        #expect(rig.priority(0) == 0)
        rig.setPriority(96, 7) // beyond the 95 sources
        #expect(rig.priority(96) == 0)
        rig.setThreshold(context: 1, 0x1F)
        #expect(rig.threshold(context: 1) == 7)
    }

    @Test func enableBitsOfMissingSourcesReadZero() {
        let rig = Rig(sources: 40)
        rig.setEnable(context: 0, word: 0, 0xFFFF_FFFF)
        rig.setEnable(context: 0, word: 1, 0xFFFF_FFFF)
        rig.setEnable(context: 0, word: 2, 0xFFFF_FFFF)
        #expect(rig.enable(context: 0, word: 0) == 0xFFFF_FFFE) // no source 0
        #expect(rig.enable(context: 0, word: 1) == 0x1FF) // sources 32 ... 40
        #expect(rig.enable(context: 0, word: 2) == 0) // no such word
        #expect(rig.enable(context: 1, word: 0) == 0) // contexts are independent
        let full = Rig()
        full.setEnable(context: 1, word: 2, 0xFFFF_FFFF)
        #expect(full.enable(context: 1, word: 2) == 0xFFFF_FFFF) // sources 64 ... 95
    }

    @Test func priorityAndThresholdGateTheOutput() {
        let rig = Rig()
        rig.enable(context: 0, [10])
        rig.plic.setLevel(line: 10, high: true)
        #expect(rig.pendingWord(0) == 1 << 10)
        #expect(!rig.meip()) // priority 0: never interrupts
        rig.setPriority(10, 1)
        #expect(rig.meip())
        rig.setThreshold(context: 0, 1) // priority must exceed the threshold
        #expect(!rig.meip())
        rig.setPriority(10, 2)
        #expect(rig.meip())
        rig.setThreshold(context: 0, 7)
        #expect(!rig.meip())
        rig.setThreshold(context: 0, 0)
        #expect(rig.meip())
        rig.setEnable(context: 0, word: 0, 0)
        #expect(!rig.meip())
        #expect(!rig.seip())
    }

    @Test func claimsGoByPriorityThenLowestID() {
        let rig = Rig()
        for (source, priority) in [(3, 2), (7, 5), (5, 5), (9, 0), (40, 6)] {
            rig.setPriority(source, UInt64(priority))
            rig.plic.setLevel(line: source, high: true)
        }
        rig.enable(context: 1, [3, 5, 7, 9])
        rig.enable(context: 1, [40])
        #expect(rig.seip())
        #expect(rig.claim(context: 1) == 40)
        #expect(rig.claim(context: 1) == 5)
        #expect(rig.claim(context: 1) == 7)
        #expect(rig.seip()) // source 3 is still pending
        #expect(rig.claim(context: 1) == 3)
        #expect(rig.claim(context: 1) == 0) // source 9 has priority 0
        #expect(!rig.seip())
        #expect(!rig.meip())
    }

    @Test func claimClearsPendingAndASecondClaimGetsZero() {
        let rig = Rig()
        rig.setPriority(1, 1)
        rig.enable(context: 0, [1])
        rig.plic.setLevel(line: 1, high: true)
        #expect(rig.meip())
        #expect(rig.claim(context: 0) == 1)
        #expect(rig.pendingWord(0) == 0)
        #expect(!rig.meip())
        #expect(rig.claim(context: 0) == 0)
        rig.plic.setLevel(line: 1, high: true) // still high: no new request while in service
        #expect(rig.pendingWord(0) == 0)
        #expect(!rig.meip())
    }

    @Test func completingWithTheLevelStillHighPendsAgain() {
        let rig = Rig()
        rig.setPriority(10, 3)
        rig.enable(context: 0, [10])
        rig.plic.setLevel(line: 10, high: true)
        #expect(rig.claim(context: 0) == 10)
        #expect(!rig.meip())
        rig.complete(context: 0, 10)
        #expect(rig.meip())
        #expect(rig.pendingWord(0) == 1 << 10)
        #expect(rig.claim(context: 0) == 10)
        rig.plic.setLevel(line: 10, high: false) // the handler quietened the device
        rig.complete(context: 0, 10)
        #expect(!rig.meip())
        #expect(rig.pendingWord(0) == 0)
        #expect(rig.claim(context: 0) == 0)
    }

    @Test func loweringTheLevelBeforeTheClaimWithdrawsTheRequest() {
        let rig = Rig()
        rig.setPriority(8, 1)
        rig.enable(context: 0, [8])
        rig.plic.setLevel(line: 8, high: true)
        #expect(rig.meip())
        rig.plic.setLevel(line: 8, high: false)
        #expect(rig.pendingWord(0) == 0)
        #expect(!rig.meip())
        #expect(rig.claim(context: 0) == 0)
    }

    @Test func enablesArePerContext() {
        let rig = Rig(harts: 2)
        rig.setPriority(1, 1)
        rig.setPriority(2, 1)
        rig.enable(context: 3, [1]) // hart 1, S-mode
        rig.enable(context: 0, [2]) // hart 0, M-mode
        rig.plic.setLevel(line: 1, high: true)
        #expect(rig.seip(1))
        #expect(!rig.meip(1) && !rig.meip(0) && !rig.seip(0))
        #expect(rig.claim(context: 2) == 0) // hart 1's M-mode does not enable source 1
        #expect(rig.claim(context: 3) == 1)
        #expect(!rig.seip(1))
        rig.plic.setLevel(line: 2, high: true)
        #expect(rig.meip(0) && !rig.seip(1))
    }

    @Test func aSourceEnabledInTwoContextsIsClaimedOnce() {
        let rig = Rig(harts: 2)
        rig.setPriority(5, 1)
        rig.enable(context: 1, [5])
        rig.enable(context: 3, [5])
        rig.plic.setLevel(line: 5, high: true)
        #expect(rig.seip(0) && rig.seip(1))
        #expect(rig.claim(context: 3) == 5)
        #expect(!rig.seip(0) && !rig.seip(1)) // both lines drop: the source is in service
        #expect(rig.claim(context: 1) == 0)
        rig.complete(context: 1, 5) // any context enabling it may complete it
        #expect(rig.seip(0) && rig.seip(1))
    }

    @Test func theThresholdDoesNotApplyToClaims() {
        let rig = Rig()
        rig.setPriority(4, 3)
        rig.enable(context: 1, [4])
        rig.setThreshold(context: 1, 7)
        rig.plic.setLevel(line: 4, high: true)
        #expect(!rig.seip())
        #expect(rig.claim(context: 1) == 4) // polling with notifications masked (spec, claim process)
    }

    @Test func strayCompletionsAreIgnored() {
        let rig = Rig(harts: 2)
        rig.setPriority(6, 1)
        rig.enable(context: 0, [6])
        rig.plic.setLevel(line: 6, high: true)
        rig.complete(context: 0, 6) // not claimed: nothing to end
        #expect(rig.claim(context: 0) == 6)
        rig.complete(context: 2, 6) // not enabled for that context
        rig.complete(context: 0, 7)
        rig.complete(context: 0, 0)
        rig.complete(context: 0, 96)
        rig.complete(context: 0, 0xFFFF_FFFF_0000_0000) // low 32 bits: 0
        #expect(!rig.meip()) // still in service
        rig.complete(context: 0, 0xFFFF_FFFF_0000_0006) // low 32 bits name source 6
        #expect(rig.meip())
    }

    @Test func outOfRangeSourcesAreIgnored() {
        let rig = Rig()
        for source in [0, -1, 96, 1023, 1024, Int.max, Int.min] {
            rig.plic.setLevel(line: source, high: true)
        }
        rig.setEnable(context: 0, word: 0, 0xFFFF_FFFF)
        for word in 0..<32 { #expect(rig.pendingWord(word) == 0) }
        #expect(rig.claim(context: 0) == 0)
        #expect(rig.harts[0].changes == 0)
    }

    @Test func outputLinesChangeOnlyOnTransitions() {
        let rig = Rig()
        rig.setPriority(10, 1)
        rig.setPriority(11, 1)
        rig.enable(context: 0, [10, 11])
        rig.plic.setLevel(line: 10, high: true)
        rig.plic.setLevel(line: 10, high: true)
        rig.plic.setLevel(line: 11, high: true)
        #expect(rig.harts[0].changes == 1)
        #expect(rig.claim(context: 0) == 10) // 11 keeps the line high
        #expect(rig.harts[0].changes == 1)
        #expect(rig.claim(context: 0) == 11)
        #expect(rig.harts[0].changes == 2)
        #expect(!rig.meip())
    }

    @Test func oddAccessesNeitherTrapNorChangeState() {
        let rig = Rig()
        rig.setPriority(10, 1)
        rig.enable(context: 0, [10])
        rig.plic.setLevel(line: 10, high: true)
        let offsets: [UInt64] = [0, 2, 0x28, 0x29, 0x2A, 0x180, 0xFFC, 0x1002, 0x100C, 0x1FFC, 0x2002, 0x2080,
                                 0x2000 + 0x80 * 2, 0x1F_FFFC, 0x20_0002, 0x20_0004, 0x20_0005, 0x20_0008,
                                 0x20_2000, 0x20_2004, 0x5F_FFFC, 0x60_0000, 0x60_0004, .max - 3, .max]
        for offset in offsets {
            for size in [0, 1, 2, 3, 8, 16, -1] {
                _ = rig.plic.read(offset: offset, size: size)
                rig.plic.write(offset: offset, size: size, value: .max)
            }
        }
        // Aligned 32-bit accesses beyond the contexts, sources and words: reads 0, writes ignored.
        for offset: UInt64 in [0x180, 0x100C, 0x2000 + 0x80 * 2, 0x20_2000, 0x20_2004, 0x20_0008, 0x5F_FFFC] {
            rig.plic.write(offset: offset, size: 4, value: .max)
            #expect(rig.plic.read(offset: offset, size: 4) == 0)
        }
        #expect(rig.priority(10) == 1)
        #expect(rig.enable(context: 0, word: 0) == 1 << 10)
        #expect(rig.threshold(context: 0) == 0)
        #expect(rig.pendingWord(0) == 1 << 10) // no odd-width read claimed it
        #expect(rig.meip())
        rig.plic.write(offset: 0x1000, size: 4, value: 0) // pending is read-only
        #expect(rig.pendingWord(0) == 1 << 10)
        #expect(rig.claim(context: 0) == 10)
    }

    @Test func devicesOnOtherThreadsLeaveAConsistentState() async {
        let rig = Rig()
        let sources = Array(1...32)
        for source in sources { rig.setPriority(source, UInt64(source % 7 + 1)) }
        rig.enable(context: 1, Array(1...31))
        rig.enable(context: 1, [32])
        let plic = rig.plic
        await withTaskGroup(of: Void.self) { group in
            for source in sources {
                group.addTask {
                    for round in 0..<500 { plic.setLevel(line: source, high: round % 2 == 0) }
                    plic.setLevel(line: source, high: false)
                }
            }
            group.addTask {
                for _ in 0..<2000 {
                    let claimed = plic.read(offset: 0x20_1004, size: 4)
                    if claimed != 0 { plic.write(offset: 0x20_1004, size: 4, value: claimed) }
                }
            }
        }
        #expect(rig.pendingWord(0) == 0)
        #expect(rig.pendingWord(1) == 0)
        #expect(!rig.seip())
        rig.plic.setLevel(line: 32, high: true) // nothing was left in service
        #expect(rig.seip())
        #expect(rig.claim(context: 1) == 32)
    }
}
