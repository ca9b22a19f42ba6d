import CLLVM

/// Guest slots written back to the state at exits only.
///
/// Inside a region a slot's value lives in its alloca (an SSA value after `sroa`); nothing but
/// the exec loop and helpers (both reached through an exit) reads the state, and the slow-path
/// thunks never read guest slots, so the state needs the region's writes only when control
/// leaves. Each exit stores the slots that may have been written on some path from the region's
/// entry to it (a forward may-written analysis over the region's blocks), just before its
/// branch to the exit block. Storing through on every write instead kept the hot loops busy
/// with stores to the state (five of the matrix product's inner loop's 7 guest instructions
/// wrote a slot).
extension RegionLowering {
    /// A set of guest slots (0-255), kept inline.
    struct SlotSet: Equatable {
        private var words = InlineArray<4, UInt64>(repeating: 0)

        mutating func insert(_ slot: UInt8) {
            words[Int(slot >> 6)] |= 1 << UInt64(slot & 63)
        }

        func contains(_ slot: Int) -> Bool { words[slot >> 6] & (1 << UInt64(slot & 63)) != 0 }

        mutating func formUnion(_ other: SlotSet) {
            for index in 0..<4 { words[index] |= other.words[index] }
        }

        static func == (lhs: SlotSet, rhs: SlotSet) -> Bool {
            (0..<4).allSatisfy { lhs.words[$0] == rhs.words[$0] }
        }
    }

    /// An exit's branch to the exit block, to be preceded by its write-back once the region's
    /// blocks are all lowered.
    struct PendingWriteBack {
        var branch: LLVMValueRef
        /// The region block (index) the exit leaves from.
        var block: Int
        /// The slots that block wrote before the exit.
        var writtenBefore: SlotSet
    }

    /// Slots that may have been written on entry to each block: a fixpoint of the union over
    /// in-region predecessors of what they had on entry plus what they write. A block's whole
    /// write set stands for what it wrote before each of its transfers (more slots than
    /// needed is harmless: a clean slot is stored with the value it was loaded with).
    func writtenOnEntry() -> [SlotSet] {
        var onEntry = [SlotSet](repeating: SlotSet(), count: blockWrites.count)
        var changed = true
        while changed {
            changed = false
            for block in blockWrites.indices {
                var out = onEntry[block]
                out.formUnion(blockWrites[block])
                for successor in blockSuccessors[block] {
                    var merged = onEntry[successor]
                    merged.formUnion(out)
                    if merged != onEntry[successor] {
                        onEntry[successor] = merged
                        changed = true
                    }
                }
            }
        }
        return onEntry
    }

    /// Inserts each exit's stores of the slots written before it.
    func emitWriteBacks() {
        let onEntry = writtenOnEntry()
        for pending in pendingWriteBacks {
            var dirty = onEntry[pending.block]
            dirty.formUnion(pending.writtenBefore)
            LLVMPositionBuilderBefore(builder, pending.branch)
            for slot in 0..<slots.count where dirty.contains(slot) {
                let value = LLVMBuildLoad2(builder, i64, slots[slot], "")
                LLVMBuildStore(builder, value, Self.gep(builder, i64, state, slot, in: context))
            }
        }
    }
}
