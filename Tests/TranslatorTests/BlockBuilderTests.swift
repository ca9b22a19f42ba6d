import Machine
import Testing
@testable import Translator

@Suite struct BlockBuilderTests {
    /// A block's code pages come from its byte range: the chunks of every instruction, and the
    /// next page's first chunk when the last instruction crosses into it.
    @Test func pagesCoverTheBlocksBytesOnBothSidesOfAPageBoundary() throws {
        var p = ToyProgram()
        for _ in 0..<3 { p.op(.addImm, d: 2, a: 2, imm: 1) }
        p.op(.jump, imm: 0)
        let m = try ToyMachine(ToyProgram())
        // Instructions at 0x1FE4, 0x1FEC, 0x1FF4 and 0x1FFC: the last ends at 0x2003.
        try m.memory.write(p.bytes, at: 0x1FE4)
        var builder = BlockBuilder(startPC: 0x1FE4, physicalPC: 0x1FE4, flags: 0, cpu: m.engine.cpu)
        m.engine.guest.translate(&builder)
        #expect(builder.instructionCount == 4)
        #expect(Array(builder.pages) == [.init(page: 1, mask: 1 << 63), .init(page: 2, mask: 1)])

        var short = BlockBuilder(startPC: 0x1040, physicalPC: 0x1040, flags: 0, cpu: m.engine.cpu)
        try m.memory.write(p.bytes, at: 0x1040)
        m.engine.guest.translate(&short)
        #expect(Array(short.pages) == [.init(page: 1, mask: 0b10)], "0x1040 ..< 0x1060 is chunk 1")
    }
}
