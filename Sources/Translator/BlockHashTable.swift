/// The translation cache's index from a block's key (guest PC, the physical address behind it,
/// mode flags) to its number in the block table: an open-addressing table of block numbers with
/// linear probing and a multiplicative hash.
///
/// It answers every jump cache miss (after each MMU flush, the whole working set misses once),
/// so it avoids what a `Dictionary` costs per probe there (a SipHash of three words, a
/// uniqueness check): a probe is a few multiplies and one load per slot, and keys are compared
/// against the block table itself, so a slot is four bytes. Removed blocks leave tombstones; the
/// table is rebuilt from the live blocks when live entries and tombstones fill three quarters.
struct BlockHashTable: ~Copyable {
    private static let empty: Int32 = -1
    private static let removed: Int32 = -2

    private let slots: UnsafeMutablePointer<Int32>
    private let mask: Int
    private let shift: UInt64
    /// Slots that are not empty (live entries plus tombstones).
    private var occupied = 0

    /// A table for up to `capacity` live blocks.
    init(capacity: Int) {
        var count = 16
        while count < capacity * 2 { count <<= 1 }
        slots = .allocate(capacity: count)
        slots.initialize(repeating: Self.empty, count: count)
        mask = count - 1
        shift = UInt64(64 - count.trailingZeroBitCount)
    }

    deinit { slots.deallocate() }

    @inline(__always)
    private func home(pc: UInt64, physicalPC: UInt64, flags: UInt64) -> Int {
        let mixed = physicalPC &* 0x9E37_79B9_7F4A_7C15 ^ pc &* 0xC2B2_AE3D_27D4_EB4F ^ flags &* 0x1656_67B1_9E37_79F9
        return Int(truncatingIfNeeded: ((mixed ^ mixed >> 29) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The block with this key, if the table holds one; `blocks` is the block table.
    func find(pc: UInt64, physicalPC: UInt64, flags: UInt64, in blocks: [TranslationCache.Block]) -> Int32? {
        var i = home(pc: pc, physicalPC: physicalPC, flags: flags)
        while true {
            let b = slots[i]
            if b == Self.empty { return nil }
            if b >= 0 {
                let block = blocks[Int(b)]
                if block.physicalPC == physicalPC && block.pc == pc && block.flags == flags { return b }
            }
            i = (i &+ 1) & mask
        }
    }

    /// Adds block `b`, already valid in `blocks`, whose key the table does not hold yet; a table
    /// too full is rebuilt from `blocks` instead, which adds `b` with the others.
    mutating func insert(_ b: Int32, in blocks: [TranslationCache.Block]) {
        if (occupied + 1) * 4 > (mask + 1) * 3 {
            rebuild(from: blocks)
            return
        }
        let block = blocks[Int(b)]
        var i = home(pc: block.pc, physicalPC: block.physicalPC, flags: block.flags)
        while slots[i] >= 0 { i = (i &+ 1) & mask }
        if slots[i] == Self.empty { occupied += 1 }
        slots[i] = b
    }

    /// Removes block `b` (keyed as in `blocks`) if the table holds it.
    mutating func remove(_ b: Int32, in blocks: [TranslationCache.Block]) {
        let block = blocks[Int(b)]
        var i = home(pc: block.pc, physicalPC: block.physicalPC, flags: block.flags)
        while slots[i] != Self.empty {
            if slots[i] == b {
                slots[i] = Self.removed
                return
            }
            i = (i &+ 1) & mask
        }
    }

    /// Empties the table.
    mutating func removeAll() {
        slots.update(repeating: Self.empty, count: mask + 1)
        occupied = 0
    }

    /// Re-inserts the valid blocks of `blocks` into an emptied table, dropping tombstones.
    private mutating func rebuild(from blocks: [TranslationCache.Block]) {
        removeAll()
        for (b, block) in blocks.enumerated() where block.isValid {
            var i = home(pc: block.pc, physicalPC: block.physicalPC, flags: block.flags)
            while slots[i] >= 0 { i = (i &+ 1) & mask }
            slots[i] = Int32(b)
            occupied += 1
        }
    }
}
