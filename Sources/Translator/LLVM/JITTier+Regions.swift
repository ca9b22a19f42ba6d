/// Region formation: from a hot block, the hot translated blocks its direct transfers reach
/// within the entry's guest page (the same rule as interpreter chaining, so a remapped page
/// never keeps a stale edge), breadth first, up to `maxRegionBlocks`.
extension JITTier {
    /// Ops of one block copied at most (a block ends far earlier).
    static let maxBlockOps = 1024
    static let indirectLookupWorks = IndirectLookup.layoutHolds

    func formRegion(entryOp: Int, slot: Int, cache: TranslationCache, flags: UInt64) -> RegionRequest {
        let entry = cache.ops[entryOp].stampedBlock
        let entryBlock = cache.blocks[Int(entry)]
        let page = entryBlock.pc >> TLBGeometry.pageShift
        var chosen: [Int32] = [entry]
        var blocks: [RegionBlock] = [copy(entry, cache: cache)]
        var seen: Set<UInt64> = [entryBlock.pc]
        var next = 0
        let limit = configuration.maxRegionBlocks
        while next < blocks.count, blocks.count < limit {
            let block = blocks[next]
            next += 1
            for op in block.ops where Self.isDirectTransfer(op.code) {
                let target = block.pc &+ UInt64(bitPattern: op.targetOffset)
                guard target >> TLBGeometry.pageShift == page, !seen.contains(target),
                      blocks.count < limit else { continue }
                seen.insert(target)
                let physical = (entryBlock.physicalPC & ~TLBGeometry.pageOffsetMask) | (target & TLBGeometry.pageOffsetMask)
                guard let found = cache.lookup(pc: target, physicalPC: physical, flags: flags),
                      isHot(cache.ops[Int(cache.blocks[Int(found)].firstOp)]) else { continue }
                chosen.append(found)
                blocks.append(copy(found, cache: cache))
            }
        }
        let key = RegionRequest.Key(physicalPC: entryBlock.physicalPC, flags: flags, codeHash: Self.hash(blocks))
        var request = RegionRequest(slot: slot, key: key, blocks: blocks, generation: cache.generation, blockIndices: chosen)
        request.zeroSlot = zeroSlot
        request.serial = formedRegions
        formedRegions += 1
        if flags & CPUContext.untranslatedDataFlag != 0 { request.directRAM = ram }
        if Self.indirectLookupWorks {
            request.indirect = IndirectLookup(jumpCache: UInt(bitPattern: cache.jumpCache), ops: UInt(bitPattern: cache.ops),
                                              entries: UInt(bitPattern: entries), flags: flags)
        }
        let inside = Set(blocks.map(\.pc))
        for block in blocks {
            for op in block.ops where Self.isDirectTransfer(op.code) {
                let target = block.pc &+ UInt64(bitPattern: op.targetOffset)
                guard target >> TLBGeometry.pageShift == page, !inside.contains(target),
                      request.chainSlots[target] == nil, let id = chains.allocate(owner: slot) else { continue }
                request.chainSlots[target] = (id, chains.address(of: id))
                resetExitCount(id)
            }
        }
        return request
    }

    /// Whether a successor block is worth compiling into the region: under `auto` it must have
    /// run at least half the threshold (its `profile` count shows it) or be hot already, so
    /// regions follow the hot path instead of every branch; under `llvm` every block counts.
    private func isHot(_ first: IROp) -> Bool {
        guard configuration.mode == .auto else { return true }
        switch first.code {
        case .profile: return first.imm <= profileCount / 2 || first.imm > Self.pendingCount / 2
        case .enterCompiled: return true
        default: return false
        }
    }

    private func copy(_ block: Int32, cache: TranslationCache) -> RegionBlock {
        let record = cache.blocks[Int(block)]
        var ops: [IROp] = []
        var index = Int(record.firstOp)
        while ops.count < Self.maxBlockOps {
            let op = cache.ops[index]
            ops.append(op)
            index += 1
            if Self.endsBlock(op.code) { break }
        }
        return RegionBlock(pc: record.pc, firstOp: Int(record.firstOp), ops: ops)
    }

    static func isDirectTransfer(_ code: IROpcode) -> Bool {
        switch code {
        case .branchEqual, .branchNotEqual, .branchLess, .branchGreaterEqual, .branchLessUnsigned,
             .branchGreaterEqualUnsigned, .jump: true
        default: false
        }
    }

    static func endsBlock(_ code: IROpcode) -> Bool {
        switch code {
        case .jump, .jumpIndirect, .exitToLoop, .raise, .invalidated: true
        default: false
        }
    }

    /// FNV-1a over the region's IR (a function of the guest bytes and the mode; chain links
    /// and tier-up counters masked out), for the region key.
    static func hash(_ blocks: [RegionBlock]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ v: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) {
                h = (h ^ ((v >> UInt64(shift)) & 0xFF)) &* 0x100_0000_01B3
            }
        }
        for block in blocks {
            mix(block.pc)
            for op in block.ops where op.code != .profile && op.code != .enterCompiled {
                mix(UInt64(op.code.rawValue) | UInt64(op.d) << 8 | UInt64(op.a) << 16 | UInt64(op.b) << 24
                    | UInt64(op.c) << 32 | UInt64(op.retired) << 40 | UInt64(op.pcOffset) << 48)
                mix(isDirectTransfer(op.code) ? UInt64(bitPattern: op.targetOffset) : UInt64(bitPattern: op.imm))
            }
        }
        return h
    }
}

extension IROp {
    /// A tier-up op (`profile`, `enterCompiled`) carrying its block's index in d, a, b, c.
    func stamped(block: Int32) -> IROp {
        var op = self
        let bits = UInt32(bitPattern: block)
        op.d = UInt8(truncatingIfNeeded: bits)
        op.a = UInt8(truncatingIfNeeded: bits >> 8)
        op.b = UInt8(truncatingIfNeeded: bits >> 16)
        op.c = UInt8(truncatingIfNeeded: bits >> 24)
        return op
    }

    /// The block index a tier-up op carries.
    var stampedBlock: Int32 {
        Int32(bitPattern: UInt32(d) | UInt32(a) << 8 | UInt32(b) << 16 | UInt32(c) << 24)
    }
}
