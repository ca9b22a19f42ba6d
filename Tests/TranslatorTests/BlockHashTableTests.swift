import Testing
@testable import Translator

@Suite struct BlockHashTableTests {
    private static func block(_ n: Int, flags: UInt64 = 0) -> TranslationCache.Block {
        TranslationCache.Block(pc: 0xFFFF_FFFF_8000_0000 + UInt64(n) * 6, physicalPC: 0x8020_0000 + UInt64(n) * 6,
                               flags: flags, firstOp: Int32(n), isValid: true)
    }

    /// Keys differing only in the flags, or in the virtual PC, are different blocks.
    @Test func findsEachBlockByItsWholeKey() {
        var table = BlockHashTable(capacity: 64)
        let blocks = [Self.block(0), Self.block(0, flags: 8), Self.block(1)]
        for b in blocks.indices { table.insert(Int32(b), in: blocks) }
        #expect(table.find(pc: blocks[0].pc, physicalPC: blocks[0].physicalPC, flags: 0, in: blocks) == 0)
        #expect(table.find(pc: blocks[0].pc, physicalPC: blocks[0].physicalPC, flags: 8, in: blocks) == 1)
        #expect(table.find(pc: blocks[1].pc &+ 0x1000, physicalPC: blocks[0].physicalPC, flags: 8, in: blocks) == nil)
        #expect(table.find(pc: blocks[2].pc, physicalPC: blocks[2].physicalPC, flags: 0, in: blocks) == 2)
    }

    /// Blocks removed and added many times over (more than the table has slots) stay findable
    /// exactly while they are live: tombstones never hide a live block, and rebuilding drops
    /// them.
    @Test func removalsAndRebuildsKeepLiveBlocksFindable() {
        var table = BlockHashTable(capacity: 32)
        var blocks: [TranslationCache.Block] = []
        for n in 0..<1000 {
            blocks.append(Self.block(n))
            table.insert(Int32(n), in: blocks)
            if n >= 20 {
                blocks[n - 20].isValid = false
                table.remove(Int32(n - 20), in: blocks)
            }
        }
        for (n, block) in blocks.enumerated() {
            let found = table.find(pc: block.pc, physicalPC: block.physicalPC, flags: block.flags, in: blocks)
            #expect(found == (block.isValid ? Int32(n) : nil), "block \(n)")
        }
        table.removeAll()
        #expect(table.find(pc: blocks[999].pc, physicalPC: blocks[999].physicalPC, flags: 0, in: blocks) == nil)
    }
}
