import Synchronization

/// How the interpreter left translated code, for the exec loop.
enum BlockExit {
    /// A direct transfer from the block at `from` to `target`; `site` is the op to chain once the
    /// target is translated, or -1 when it is already chained (an exit request stopped the chain).
    case jump(target: UInt64, site: Int, from: UInt64)
    /// An indirect transfer (or an exit to the loop) to `target`.
    case indirect(target: UInt64)
    /// The op at `pc` faulted; it did not retire.
    case fault(GuestFault, pc: UInt64)
    /// The memory op at index `op` of the block starting at `blockPC` missed the inline TLB path
    /// (or is atomic): the exec loop performs it out of line, then resumes after it.
    case memory(op: Int, blockPC: UInt64)
    /// The `helper` op at index `op` of the block starting at `blockPC` wants its helper run.
    case helper(op: Int, blockPC: UInt64)
    /// Execution reached a block that was invalidated; translate `pc` again.
    case invalidated(pc: UInt64)
    /// The `profile` op at index `op` counted down to zero: the block at `blockPC` is hot.
    case hot(op: Int, blockPC: UInt64)
    /// The `enterCompiled` op at index `op` starts the block at `blockPC`: run its region.
    case compiled(op: Int, blockPC: UInt64)
}

/// The interpreter tier: runs pre-decoded IR from the flat op buffer with the guest state,
/// TLB, op cursor and block PC held in locals. One `switch` dispatch per op, kept to a few host
/// instructions: each case reads only the operands it uses (`Operands`), and memory ops have
/// their own cases with the TLB hit path inline. No allocation, reference counting, existential
/// or closure on the way. Direct transfers follow chain links (a branch not taken runs the block's
/// closing `jump` without another dispatch), and indirect jumps that hit the jump cache continue
/// in place, without leaving the loop while no exit is requested.
///
/// The loop makes no calls: everything rare (TLB misses, device accesses, atomics, helpers,
/// faults) leaves it as a `BlockExit`, so its locals stay in registers. Every path reaches the
/// next dispatch through the one cursor step at the bottom, which lets the compiler keep the
/// cursor in one register; the retired count is added to `retired` in place, once per block.
extension CPUContext {
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    func interpret(at start: Int, blockPC: UInt64) -> BlockExit {
        let r = state
        let ops = cache.ops
        let tlb = self.tlb
        var p = ops + start
        var pc = blockPC
        while true {
            let o = Operands(p)
            switch p.pointee.code {
            case .add: r[o.d] = r[o.a] &+ r[o.b]
            case .sub: r[o.d] = r[o.a] &- r[o.b]
            case .and: r[o.d] = r[o.a] & r[o.b]
            case .or: r[o.d] = r[o.a] | r[o.b]
            case .xor: r[o.d] = r[o.a] ^ r[o.b]
            case .shiftLeft: r[o.d] = r[o.a] << (r[o.b] & 63)
            case .shiftRightLogical: r[o.d] = r[o.a] >> (r[o.b] & 63)
            case .shiftRightArithmetic: r[o.d] = UInt64(bitPattern: Self.signed(r[o.a]) >> Int64(r[o.b] & 63))
            case .setLessThan: r[o.d] = Self.signed(r[o.a]) < Self.signed(r[o.b]) ? 1 : 0
            case .setLessThanUnsigned: r[o.d] = r[o.a] < r[o.b] ? 1 : 0
            case .addW: r[o.d] = Self.sext32(r[o.a] &+ r[o.b])
            case .subW: r[o.d] = Self.sext32(r[o.a] &- r[o.b])
            case .shiftLeftW: r[o.d] = Self.sext32(r[o.a] << (r[o.b] & 31))
            case .shiftRightLogicalW: r[o.d] = Self.sext32(UInt64(UInt32(truncatingIfNeeded: r[o.a]) >> UInt32(r[o.b] & 31)))
            case .shiftRightArithmeticW: r[o.d] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: r[o.a]) >> Int32(r[o.b] & 31)))
            case .mul: r[o.d] = r[o.a] &* r[o.b]
            case .mulHigh: r[o.d] = UInt64(bitPattern: Self.signed(r[o.a]).multipliedFullWidth(by: Self.signed(r[o.b])).high)
            case .mulHighUnsigned: r[o.d] = r[o.a].multipliedFullWidth(by: r[o.b]).high
            case .mulW: r[o.d] = Self.sext32(r[o.a] &* r[o.b])
            case .divUnsigned: r[o.d] = r[o.b] == 0 ? .max : r[o.a] / r[o.b]
            case .remUnsigned: r[o.d] = r[o.b] == 0 ? r[o.a] : r[o.a] % r[o.b]
            case .addImm: r[o.d] = r[o.a] &+ o.imm
            case .andImm: r[o.d] = r[o.a] & o.imm
            case .orImm: r[o.d] = r[o.a] | o.imm
            case .xorImm: r[o.d] = r[o.a] ^ o.imm
            case .shiftLeftImm: r[o.d] = r[o.a] << (o.imm & 63)
            case .shiftRightLogicalImm: r[o.d] = r[o.a] >> (o.imm & 63)
            case .shiftRightArithmeticImm: r[o.d] = UInt64(bitPattern: Self.signed(r[o.a]) >> Int64(o.imm & 63))
            case .setLessThanImm: r[o.d] = Self.signed(r[o.a]) < Self.signed(o.imm) ? 1 : 0
            case .setLessThanUnsignedImm: r[o.d] = r[o.a] < o.imm ? 1 : 0
            case .addImmW: r[o.d] = Self.sext32(r[o.a] &+ o.imm)
            case .shiftLeftImmW: r[o.d] = Self.sext32(r[o.a] << (o.imm & 31))
            case .shiftRightLogicalImmW: r[o.d] = Self.sext32(UInt64(UInt32(truncatingIfNeeded: r[o.a]) >> UInt32(o.imm & 31)))
            case .shiftRightArithmeticImmW: r[o.d] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: r[o.a]) >> Int32(o.imm & 31)))
            case .loadImm: r[o.d] = o.imm
            case .addImmPair:
                r[o.d] = r[o.a] &+ UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: o.imm)))
                r[o.b] = r[o.cSlot] &+ UInt64(bitPattern: Int64(bitPattern: o.imm) >> 32)
            case .shiftAdd: r[o.d] = (r[o.a] << UInt64(o.c & 63)) &+ r[o.b]
            case .shiftAddUnsignedW: r[o.d] = (UInt64(UInt32(truncatingIfNeeded: r[o.a])) << UInt64(o.c & 63)) &+ r[o.b]
            case .andNot: r[o.d] = r[o.a] & ~r[o.b]
            case .orNot: r[o.d] = r[o.a] | ~r[o.b]
            case .xnor: r[o.d] = ~(r[o.a] ^ r[o.b])
            case .countLeadingZeros: r[o.d] = UInt64(r[o.a].leadingZeroBitCount)
            case .countTrailingZeros: r[o.d] = UInt64(r[o.a].trailingZeroBitCount)
            case .popCount: r[o.d] = UInt64(r[o.a].nonzeroBitCount)
            case .countLeadingZerosW: r[o.d] = UInt64(UInt32(truncatingIfNeeded: r[o.a]).leadingZeroBitCount)
            case .countTrailingZerosW: r[o.d] = UInt64(UInt32(truncatingIfNeeded: r[o.a]).trailingZeroBitCount)
            case .popCountW: r[o.d] = UInt64(UInt32(truncatingIfNeeded: r[o.a]).nonzeroBitCount)
            case .max: r[o.d] = Self.signed(r[o.a]) > Self.signed(r[o.b]) ? r[o.a] : r[o.b]
            case .maxUnsigned: r[o.d] = r[o.a] > r[o.b] ? r[o.a] : r[o.b]
            case .min: r[o.d] = Self.signed(r[o.a]) < Self.signed(r[o.b]) ? r[o.a] : r[o.b]
            case .minUnsigned: r[o.d] = r[o.a] < r[o.b] ? r[o.a] : r[o.b]
            case .signExtendByte: r[o.d] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: r[o.a])))
            case .signExtendHalf: r[o.d] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: r[o.a])))
            case .zeroExtendHalf: r[o.d] = r[o.a] & 0xFFFF
            case .rotateLeft: r[o.d] = Self.rotateLeft64(r[o.a], r[o.b] & 63)
            case .rotateRight: r[o.d] = Self.rotateLeft64(r[o.a], (64 &- (r[o.b] & 63)) & 63)
            case .rotateLeftW: r[o.d] = Self.sext32(UInt64(Self.rotateLeft32(UInt32(truncatingIfNeeded: r[o.a]), UInt32(r[o.b] & 31))))
            case .rotateRightW: r[o.d] = Self.sext32(UInt64(Self.rotateLeft32(UInt32(truncatingIfNeeded: r[o.a]), (32 &- UInt32(r[o.b] & 31)) & 31)))
            case .rotateRightImm: r[o.d] = Self.rotateLeft64(r[o.a], (64 &- (o.imm & 63)) & 63)
            case .rotateRightImmW: r[o.d] = Self.sext32(UInt64(Self.rotateLeft32(UInt32(truncatingIfNeeded: r[o.a]), (32 &- UInt32(o.imm & 31)) & 31)))
            case .byteReverse: r[o.d] = r[o.a].byteSwapped
            case .bitClear: r[o.d] = r[o.a] & ~(1 << (r[o.b] & 63))
            case .bitExtract: r[o.d] = (r[o.a] >> (r[o.b] & 63)) & 1
            case .bitInvert: r[o.d] = r[o.a] ^ (1 << (r[o.b] & 63))
            case .bitSet: r[o.d] = r[o.a] | (1 << (r[o.b] & 63))
            case .bitClearImm: r[o.d] = r[o.a] & ~(1 << (o.imm & 63))
            case .bitExtractImm: r[o.d] = (r[o.a] >> (o.imm & 63)) & 1
            case .bitInvertImm: r[o.d] = r[o.a] ^ (1 << (o.imm & 63))
            case .bitSetImm: r[o.d] = r[o.a] | (1 << (o.imm & 63))
            case .mulHighSignedUnsigned: r[o.d] = Self.mulHighSignedUnsigned(r[o.a], r[o.b])
            case .div: r[o.d] = Self.div(r[o.a], r[o.b])
            case .rem: r[o.d] = Self.rem(r[o.a], r[o.b])
            case .divW: r[o.d] = Self.divW(r[o.a], r[o.b])
            case .divUnsignedW: r[o.d] = Self.divUnsignedW(r[o.a], r[o.b])
            case .remW: r[o.d] = Self.remW(r[o.a], r[o.b])
            case .remUnsignedW: r[o.d] = Self.remUnsignedW(r[o.a], r[o.b])
            case .orCombineBytes: r[o.d] = Self.orCombineBytes(r[o.a])

            case .load8:
                guard let v = load(tlb, r[o.a] &+ o.imm, as: UInt8.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
                r[o.d] = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v)))
            case .load8Unsigned:
                guard let v = load(tlb, r[o.a] &+ o.imm, as: UInt8.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
                r[o.d] = v
            case .load16:
                guard let v = load(tlb, r[o.a] &+ o.imm, as: UInt16.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
                r[o.d] = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
            case .load16Unsigned:
                guard let v = load(tlb, r[o.a] &+ o.imm, as: UInt16.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
                r[o.d] = v
            case .load32:
                guard let v = load(tlb, r[o.a] &+ o.imm, as: UInt32.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
                r[o.d] = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
            case .load32Unsigned:
                guard let v = load(tlb, r[o.a] &+ o.imm, as: UInt32.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
                r[o.d] = v
            case .load64:
                guard let v = load(tlb, r[o.a] &+ o.imm, as: UInt64.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
                r[o.d] = v
            case .store8:
                guard store(tlb, r[o.a] &+ o.imm, r[o.b], as: UInt8.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
            case .store16:
                guard store(tlb, r[o.a] &+ o.imm, r[o.b], as: UInt16.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
            case .store32:
                guard store(tlb, r[o.a] &+ o.imm, r[o.b], as: UInt32.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }
            case .store64:
                guard store(tlb, r[o.a] &+ o.imm, r[o.b], as: UInt64.self) else { return .memory(op: ops.distance(to: p), blockPC: pc) }

            case .loadReserved32, .loadReserved64, .storeConditional32, .storeConditional64, .atomic32, .atomic64:
                return .memory(op: ops.distance(to: p), blockPC: pc)

            case .fence:
                atomicMemoryFence(ordering: .sequentiallyConsistent)

            // A branch taken follows its own target; one not taken continues with the next op,
            // which is usually the `jump` ending the block, followed here without a dispatch.
            case .branchEqual:
                if let exit = branch(r[o.a] == r[o.b], &p, &pc, ops) { return exit }
            case .branchNotEqual:
                if let exit = branch(r[o.a] != r[o.b], &p, &pc, ops) { return exit }
            case .branchLess:
                if let exit = branch(Self.signed(r[o.a]) < Self.signed(r[o.b]), &p, &pc, ops) { return exit }
            case .branchGreaterEqual:
                if let exit = branch(Self.signed(r[o.a]) >= Self.signed(r[o.b]), &p, &pc, ops) { return exit }
            case .branchLessUnsigned:
                if let exit = branch(r[o.a] < r[o.b], &p, &pc, ops) { return exit }
            case .branchGreaterEqualUnsigned:
                if let exit = branch(r[o.a] >= r[o.b], &p, &pc, ops) { return exit }
            case .jump:
                if let exit = follow(p, &p, &pc, ops) { return exit }

            case .jumpIndirect:
                retired &+= UInt64(p.pointee.retired)
                let target = (r[o.a] &+ o.imm) & ~1
                let e = cache.jumpCache[TranslationCache.slot(target)]
                guard e.block >= 0, e.pc == target, e.flags == modeFlags, exitFlags.load(ordering: .relaxed) == 0 else {
                    return .indirect(target: target)
                }
                p = ops + (Int(e.firstOp) &- 1)
                pc = target

            case .exitToLoop:
                retired &+= UInt64(p.pointee.retired)
                return .indirect(target: pc &+ o.imm)

            case .raise:
                retired &+= UInt64(p.pointee.retired) &- 1
                return raise(p.pointee, pc)

            case .helper:
                return .helper(op: ops.distance(to: p), blockPC: pc)

            case .invalidated:
                return .invalidated(pc: o.imm)

            case .profile:
                guard o.imm <= 1 else {
                    p.pointee.imm = Int64(bitPattern: o.imm &- 1)
                    break
                }
                return .hot(op: ops.distance(to: p), blockPC: pc)

            case .enterCompiled:
                return .compiled(op: ops.distance(to: p), blockPC: pc)
            }
            p += 1
        }
    }

    /// Takes the direct transfer at `site` (a `jump`, or a branch taken) from the block at
    /// `pc`: moves the cursor to just before the chained successor's first op (the loop steps
    /// onto it, so every path reaches the next dispatch through one step) while no exit is
    /// requested, else returns the exit for the loop.
    @inline(__always)
    private func follow(_ site: UnsafeMutablePointer<IROp>, _ p: inout UnsafeMutablePointer<IROp>, _ pc: inout UInt64,
                        _ ops: UnsafeMutablePointer<IROp>) -> BlockExit? {
        retired &+= UInt64(site.pointee.retired)
        let target = pc &+ UInt64(bitPattern: site.pointee.targetOffset)
        let link = UnsafeRawPointer(site).load(fromByteOffset: 8, as: UInt32.self)
        guard link != 0, exitFlags.load(ordering: .relaxed) == 0 else {
            return .jump(target: target, site: link == 0 ? ops.distance(to: site) : -1, from: pc)
        }
        p = UnsafeMutableRawPointer(ops).advanced(by: Int(link) &- 2 &* MemoryLayout<IROp>.stride)
            .assumingMemoryBound(to: IROp.self)
        pc = target
        return nil
    }

    /// A conditional branch at `p`: follows its target if `taken`, else the block's closing
    /// `jump` right after it without a dispatch, or leaves the cursor for the next op.
    @inline(__always)
    private func branch(_ taken: Bool, _ p: inout UnsafeMutablePointer<IROp>, _ pc: inout UInt64,
                        _ ops: UnsafeMutablePointer<IROp>) -> BlockExit? {
        if taken { return follow(p, &p, &pc, ops) }
        guard p[1].code == .jump else { return nil }
        return follow(p + 1, &p, &pc, ops)
    }

    /// Leaves for the exec loop with the exception a `raise` op names.
    @inline(never)
    private func raise(_ op: IROp, _ blockPC: UInt64) -> BlockExit {
        let at = blockPC &+ UInt64(op.pcOffset)
        return .fault(.raised(cause: UInt32(truncatingIfNeeded: op.imm), value: op.raisedTrapValue(at: at)), pc: at)
    }
}

/// The operands of the op at a cursor, each read on use with one byte load (which x86 and ARM
/// fold into a zero-extending load), so a case touches only the fields it needs and the slot
/// index goes straight into a scaled address.
struct Operands {
    let p: UnsafeMutablePointer<IROp>

    @inline(__always) init(_ p: UnsafeMutablePointer<IROp>) { self.p = p }

    @inline(__always) private func byte(_ offset: Int) -> Int {
        Int(UnsafeRawPointer(p).load(fromByteOffset: offset, as: UInt8.self))
    }

    @inline(__always) var d: Int { byte(1) }
    @inline(__always) var a: Int { byte(2) }
    @inline(__always) var b: Int { byte(3) }
    @inline(__always) var c: UInt64 { UInt64(byte(4)) }
    /// `c` naming a slot.
    @inline(__always) var cSlot: Int { byte(4) }
    @inline(__always) var imm: UInt64 { UInt64(bitPattern: p.pointee.imm) }
}
