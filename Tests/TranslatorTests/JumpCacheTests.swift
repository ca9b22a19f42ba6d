import Testing
@testable import Translator

@Suite struct JumpCacheTests {
    @Test func pageFilterNeverForgetsAPageAndRejectsMostOthers() {
        var filter = JumpCachePageFilter()
        let inserted = (0..<300).map { UInt64(0x8020_0) + UInt64($0) * 3 }
        for page in inserted { filter.insert(page: page) }
        #expect(inserted.allSatisfy { filter.mayContain(page: $0) })
        let others = (0..<100_000).map { UInt64(0xFFFF_FFFF_C000_0) + UInt64($0) }
        let maybes = others.filter { filter.mayContain(page: $0) }.count
        #expect(maybes < others.count / 10, "\(maybes) false positives")
        filter.removeAll()
        #expect(!inserted.contains { filter.mayContain(page: $0) })
    }

    /// A single-page flush drops the entries of that page only, and one of a page that ran
    /// nothing leaves the cache as it was.
    @Test func singlePageFlushDropsOnlyThatPagesEntries() throws {
        var p = ToyProgram()
        p.op(.addImm, d: 2, a: 2, imm: 1)
        TranslatorCoreTests.stop(&p)
        let m = try ToyMachine(p)
        let device = StopDevice()
        device.engine = m.engine
        try m.bus.register(device, at: 0x100, size: 0x100, name: "stop")
        #expect(m.engine.run() == .exitRequested)
        // The first run translates the block; looking it up again on the second fills the cache.
        m.engine.pc = 0x1000
        #expect(m.engine.run() == .exitRequested)
        let cache = m.engine.cpu.cache
        func cached(_ pc: UInt64) -> Bool {
            (0..<TranslationCache.jumpCacheSize).contains { cache.jumpCache[$0].pc == pc && cache.jumpCache[$0].block >= 0 }
        }
        #expect(cached(0x1000))
        m.engine.cpu.flushTLB(page: 0x5000, contexts: 0..<1)
        #expect(cached(0x1000))
        m.engine.cpu.flushTLB(page: 0x1000, contexts: 0..<1)
        #expect(!cached(0x1000))
    }
}
