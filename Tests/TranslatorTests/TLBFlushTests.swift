import Machine
import Testing
@testable import Translator

@Suite struct TLBFlushTests {
    /// A full flush skips contexts it knows to be empty; a context filled again after a flush
    /// must be flushed again.
    @Test func flushingContextsForgetsEveryMappingFilledSinceTheLastFlush() throws {
        let m = try ToyMachine(ToyProgram())
        let cpu = m.engine.cpu
        func address(_ context: Int) -> UInt64 { 0x2000 + UInt64(context) * 0x1000 }
        func mapped(_ context: Int) -> Bool {
            cpu.tlbStorage[context * TLBGeometry.entryCount + TLBGeometry.index(address(context))].readTag == address(context)
        }
        func fill(_ context: Int) {
            cpu.selectMMU(data: context, dataTranslated: false, fetch: 0, fetchTranslated: false)
            #expect(cpu.loadSlow(address(context), size: 8) != nil)
        }
        for context in 0..<TLBGeometry.mmuContextCount { fill(context) }
        #expect((0..<TLBGeometry.mmuContextCount).allSatisfy(mapped))

        cpu.flushTLB(contexts: 1..<3)
        #expect(mapped(0) && !mapped(1) && !mapped(2) && mapped(3))

        cpu.flushTLB(contexts: 1..<3)
        fill(2)
        cpu.flushTLB(contexts: 1..<3)
        #expect(!mapped(2), "a context refilled after a flush is flushed again")
        cpu.flushTLB(contexts: 0..<4)
        #expect(!(0..<TLBGeometry.mmuContextCount).contains(where: mapped))
    }
}
