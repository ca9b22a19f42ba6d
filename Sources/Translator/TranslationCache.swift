import Machine

/// Translated blocks: one flat buffer of IR ops, a block table, a lookup keyed by guest PC, the
/// physical address behind it and mode flags, and a per-page index (with the chunks holding code) for invalidation when the guest
/// writes code.
///
/// Blocks are appended to the op buffer and never moved; chaining stores the successor's first op
/// index in the transfer op itself. Invalidating a block writes an `invalidated` op over its first
/// op, so every chained jump into it falls back to the exec loop. Op slots are reclaimed only by
/// `flush()`, which drops everything (links included) when the buffer or table fills up, so a
/// link can never point at a reused slot.
final class TranslationCache {
    struct Block {
        var pc: UInt64
        var physicalPC: UInt64
        var flags: UInt64
        var firstOp: Int32
        var isValid: Bool
    }

    /// A direct-mapped cache of recent lookups, also probed by the interpreter for indirect
    /// jumps. `firstOp` saves a trip through the block table.
    struct JumpCacheEntry {
        var pc: UInt64
        var flags: UInt64
        var block: Int32
        var firstOp: Int32
    }

    let opCapacity: Int
    let ops: UnsafeMutablePointer<IROp>
    private(set) var opCount = 0
    private(set) var blocks: [Block] = []
    private var index: BlockHashTable
    /// Per code page: its blocks and the chunks they occupy.
    private var codePages: [UInt64: (blocks: [Int32], mask: UInt64)] = [:]
    let jumpCache: UnsafeMutablePointer<JumpCacheEntry>
    /// Where `BlockBuilder` puts the ops of the block being translated (`BlockBuilder.maxOps`).
    let builderScratch: UnsafeMutablePointer<IROp>
    static let jumpCacheSize = 4096
    /// A filter of the virtual pages that may have jump cache entries (a bit per page hash, set
    /// on every fill, reset with the whole cache). A single-page MMU flush of a page that runs no
    /// code, such as the fixmap page Linux patches kernel text through (tens of thousands of
    /// flushes during boot), then skips the scan of the whole cache.
    private var jumpCachePages = JumpCachePageFilter()
    /// Bumped by every `flush()`: an op index from an older generation must not be patched.
    private(set) var generation: UInt64 = 0
    /// Bumped whenever blocks are invalidated, so the LLVM tier knows to drop compiled regions.
    private(set) var invalidationCount: UInt64 = 0
    private let maxBlocks: Int
    /// Guest RAM's record of pages holding translated code (DMA checks it), kept in step.
    private let codePageMap: CodePageMap?

    init(opCapacity: Int, codePageMap: CodePageMap? = nil) {
        precondition(IROp.headerIsPacked, "the interpreter needs IROp's packed layout")
        self.codePageMap = codePageMap
        self.opCapacity = opCapacity
        self.maxBlocks = opCapacity / 4
        index = BlockHashTable(capacity: maxBlocks)
        ops = .allocate(capacity: opCapacity)
        jumpCache = .allocate(capacity: Self.jumpCacheSize)
        builderScratch = .allocate(capacity: BlockBuilder.maxOps)
        jumpCache.initialize(repeating: JumpCacheEntry(pc: 0, flags: 0, block: -1, firstOp: 0), count: Self.jumpCacheSize)
    }

    deinit {
        ops.deallocate()
        jumpCache.deallocate()
        builderScratch.deallocate()
    }

    @inline(__always)
    static func slot(_ pc: UInt64) -> Int {
        Int(truncatingIfNeeded: (pc >> 1) ^ (pc >> 13)) & (jumpCacheSize - 1)
    }

    /// The block for `pc` in mode `flags` if the jump cache holds it (valid while the virtual
    /// mappings it was found under hold; MMU flushes clear it).
    func lookupRecent(pc: UInt64, flags: UInt64) -> Int32? {
        let e = jumpCache[Self.slot(pc)]
        return e.block >= 0 && e.pc == pc && e.flags == flags ? e.block : nil
    }

    /// The valid block for `pc`, backed by `physicalPC`, in mode `flags`, if translated.
    func lookup(pc: UInt64, physicalPC: UInt64, flags: UInt64) -> Int32? {
        let s = Self.slot(pc)
        guard let b = index.find(pc: pc, physicalPC: physicalPC, flags: flags, in: blocks) else { return nil }
        jumpCache[s] = JumpCacheEntry(pc: pc, flags: flags, block: b, firstOp: blocks[Int(b)].firstOp)
        jumpCachePages.insert(page: pc >> TLBGeometry.pageShift)
        return b
    }

    /// Whether any valid block was translated from `page`. Guest RAM's code page map (a bit per
    /// page, set and cleared in step with `codePages`) answers the common "no" without hashing:
    /// refills and stores ask for pages that hold no code far more often than for code pages.
    func holdsCode(page: UInt64) -> Bool {
        if let codePageMap, !codePageMap.holdsCode(page: page) { return false }
        return codePages[page] != nil
    }

    /// Adds a translated block, led by `prefix` when given (the tier-up `profile` op); nil when
    /// the cache is full (flush and retry).
    func insert(_ builder: borrowing BlockBuilder, prefix: IROp? = nil) -> Int32? {
        let total = builder.opCount + (prefix == nil ? 0 : 1)
        guard opCount + total <= opCapacity, blocks.count < maxBlocks else { return nil }
        let first = opCount
        if let prefix { (ops + first).initialize(to: prefix.stamped(block: Int32(blocks.count))) }
        let body = first + (prefix == nil ? 0 : 1)
        (ops + body).initialize(from: builder.ops.baseAddress!, count: builder.opCount)
        opCount += total
        let b = Int32(blocks.count)
        blocks.append(Block(pc: builder.startPC, physicalPC: builder.physicalPC, flags: builder.flags,
                            firstOp: Int32(first), isValid: true))
        index.insert(b, in: blocks)
        for entry in builder.pages { Self.add(b, chunks: entry.mask, to: &codePages[entry.page, default: ([], 0)]) }
        return b
    }

    /// Records block `b` in a code page's entry (one dictionary access for both fields).
    private static func add(_ b: Int32, chunks: UInt64, to entry: inout (blocks: [Int32], mask: UInt64)) {
        entry.blocks.append(b)
        entry.mask |= chunks
    }

    /// Invalidates every block translated from `page` if a write to the chunks in `written`
    /// overlaps their code.
    func invalidate(page: UInt64, written: UInt64) {
        guard holdsCode(page: page), let entry = codePages[page], entry.mask & written != 0 else { return }
        codePages.removeValue(forKey: page)
        codePageMap?.clear(page: page)
        invalidationCount &+= 1
        for b in entry.blocks where blocks[Int(b)].isValid {
            let block = blocks[Int(b)]
            blocks[Int(b)].isValid = false
            ops[Int(block.firstOp)] = IROp(.invalidated, imm: Int64(bitPattern: block.pc))
            index.remove(b, in: blocks)
            let s = Self.slot(block.pc)
            if jumpCache[s].block == b { jumpCache[s].block = -1 }
        }
    }

    /// Invalidates the code in `[address, address + length)` (a range past 2^64 is clamped),
    /// walking only the pages that hold code.
    func invalidate(address: UInt64, length: UInt64) {
        let last = address.addingReportingOverflow(length &- 1).overflow ? UInt64.max : address &+ (length &- 1)
        let firstPage = address >> TLBGeometry.pageShift, lastPage = last >> TLBGeometry.pageShift
        for page in codePages.keys.filter({ $0 >= firstPage && $0 <= lastPage }) {
            let start = page == firstPage ? address : page << TLBGeometry.pageShift
            let end = page == lastPage ? last : (page << TLBGeometry.pageShift) | TLBGeometry.pageOffsetMask
            invalidate(page: page, written: CodeMask.chunks(start, end))
        }
    }

    /// Empties the jump cache (virtual PCs may now name other code).
    func clearJumpCache() {
        for i in 0..<Self.jumpCacheSize { jumpCache[i].block = -1 }
        jumpCachePages.removeAll()
    }

    /// Drops jump cache entries whose PC lies in virtual page `page`.
    func clearJumpCache(page: UInt64) {
        guard jumpCachePages.mayContain(page: page) else { return }
        for i in 0..<Self.jumpCacheSize where jumpCache[i].pc >> TLBGeometry.pageShift == page { jumpCache[i].block = -1 }
    }

    /// Drops every block and link.
    func flush() {
        opCount = 0
        blocks.removeAll(keepingCapacity: true)
        index.removeAll()
        codePages.removeAll(keepingCapacity: true)
        codePageMap?.clearAll()
        clearJumpCache()
        generation &+= 1
    }
}
