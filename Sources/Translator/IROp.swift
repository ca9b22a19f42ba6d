/// One operation of xemu's translator IR: what a guest front end emits once per decoded guest
/// instruction and what both execution tiers run (the interpreter now, LLVM later).
///
/// The IR is register-slot based (ARCHITECTURE.md, decision 1): `d`, `a`, `b` and `c` name
/// 64-bit slots of the flat guest CPU state directly, so most guest instructions become one op
/// and the interpreter dispatches about once per guest instruction. An op is 16 bytes so that a
/// block is a flat, pre-decoded buffer with four ops per cache line.
///
/// Every op carries where its guest instruction sits (`pcOffset` from the block's first byte)
/// and how many of the block's instructions have retired once it completes (`retired`), so any
/// op that can fault knows its precise guest PC and the retired count without extra ops.
@frozen public struct IROp: Sendable, Equatable {
    public var code: IROpcode
    /// Destination slot.
    public var d: UInt8
    /// First source slot.
    public var a: UInt8
    /// Second source slot.
    public var b: UInt8
    /// Third source slot, or a sub-operation (atomic operation, rounding mode).
    public var c: UInt8
    /// Guest instructions of the block retired when this op's instruction completes (1-based).
    public var retired: UInt8
    /// Byte offset of this op's guest instruction from the block's start PC.
    public var pcOffset: UInt16
    /// Immediate operand; for direct control transfers it packs the target and the chain link
    /// (see `targetOffset` and `link`).
    public var imm: Int64

    @inlinable
    public init(_ code: IROpcode, d: UInt8 = 0, a: UInt8 = 0, b: UInt8 = 0, c: UInt8 = 0, imm: Int64 = 0) {
        self.code = code
        self.d = d
        self.a = a
        self.b = b
        self.c = c
        self.retired = 0
        self.pcOffset = 0
        self.imm = imm
    }

    /// For `jump` and the conditional branches: target PC minus the block's start PC (the high
    /// 32 bits of `imm`).
    @inlinable public var targetOffset: Int64 { imm >> 32 }

    /// For `jump` and the conditional branches: 0 while the transfer is not chained; else the
    /// byte offset of the chained successor's first op in the op buffer plus one op (the low 32
    /// bits of `imm`). The interpreter turns it into its cursor with one 32-bit load and one add,
    /// the shortest chain from one block to the next.
    @inlinable public var link: UInt32 { UInt32(truncatingIfNeeded: imm) }

    /// For `addImmPair`: the immediate of its first and of its second addition.
    @inlinable public var pairImmediates: (first: Int64, second: Int64) {
        (Int64(Int32(truncatingIfNeeded: imm)), imm >> 32)
    }

    /// The `addImmPair` doing `first` and then `second` (both `addImm`s), stamped as `second`;
    /// nil when an immediate does not fit in 32 bits.
    @inlinable
    public static func pair(_ first: IROp, _ second: IROp) -> IROp? {
        guard first.imm == Int64(Int32(truncatingIfNeeded: first.imm)),
              second.imm == Int64(Int32(truncatingIfNeeded: second.imm)) else { return nil }
        var op = IROp(.addImmPair, d: first.d, a: first.a, b: second.d, c: second.a,
                      imm: second.imm << 32 | Int64(UInt32(truncatingIfNeeded: first.imm)))
        op.retired = second.retired
        op.pcOffset = second.pcOffset
        return op
    }

    /// A direct transfer's `imm` for a target `offset` bytes from the block's start, not chained.
    @inlinable
    public static func transferImmediate(offset: Int32) -> Int64 { Int64(offset) << 32 }

    /// Whether the layout is the one the interpreter reads fields from by byte offset: `code`,
    /// `d`, `a`, `b`, `c`, `retired` at bytes 0-5, `pcOffset` at 6, `imm` at 8 (little-endian
    /// host, so a transfer's `link` is the 32-bit word at 8).
    static var headerIsPacked: Bool {
        MemoryLayout<IROp>.size == 16 && MemoryLayout<IROp>.offset(of: \IROp.d) == 1
            && MemoryLayout<IROp>.offset(of: \IROp.a) == 2 && MemoryLayout<IROp>.offset(of: \IROp.b) == 3
            && MemoryLayout<IROp>.offset(of: \IROp.c) == 4 && MemoryLayout<IROp>.offset(of: \IROp.imm) == 8
            && 1.littleEndian == 1
    }

    /// For `raise`: the trap value its `c` selects for its instruction at `pc` (see
    /// `IROpcode.raise`); both tiers report it.
    @inlinable
    public func raisedTrapValue(at pc: UInt64) -> UInt64 {
        switch c {
        case 1: UInt64(bitPattern: imm) >> 32
        case 2: pc
        case 3: pc &+ 2
        default: 0
        }
    }

    /// Returns this transfer op chained to the block whose first op is at `opIndex`.
    @inlinable
    public func linked(to opIndex: Int) -> IROp {
        var op = self
        let link = UInt32(truncatingIfNeeded: (opIndex &+ 1) &* MemoryLayout<IROp>.stride)
        op.imm = (imm >> 32) << 32 | Int64(link)
        return op
    }
}

/// The operation an `IROp` performs. Semantics are stated for 64-bit slots; `W` forms operate on
/// the low 32 bits and sign-extend the 32-bit result to 64 bits. Shift amounts taken from a
/// register use its low 6 bits (low 5 for `W` forms).
public enum IROpcode: UInt8, Sendable {
    // Register-register arithmetic: d = a OP b.
    case add, sub, and, or, xor, shiftLeft, shiftRightLogical, shiftRightArithmetic
    case setLessThan, setLessThanUnsigned
    case addW, subW, shiftLeftW, shiftRightLogicalW, shiftRightArithmeticW
    case mul, mulHigh, mulHighSignedUnsigned, mulHighUnsigned, mulW
    /// Division: by zero gives all ones (quotient) or the dividend (remainder); the signed
    /// overflow case (minimum / -1) gives the dividend (quotient) or 0 (remainder).
    case div, divUnsigned, rem, remUnsigned, divW, divUnsignedW, remW, remUnsignedW

    // Register-immediate arithmetic: d = a OP imm.
    case addImm, andImm, orImm, xorImm, shiftLeftImm, shiftRightLogicalImm, shiftRightArithmeticImm
    case setLessThanImm, setLessThanUnsignedImm
    case addImmW, shiftLeftImmW, shiftRightLogicalImmW, shiftRightArithmeticImmW
    /// d = imm.
    case loadImm
    /// Two `addImm`s in one op, in order: d = a + the low 32 bits of imm, then b = c + the high
    /// 32 bits (each sign-extended). `BlockBuilder` fuses consecutive `addImm`s into it, the most
    /// frequent pair in compiled code (pointer and counter steps, small constants), which saves a
    /// dispatch.
    case addImmPair

    // Bit manipulation (Zba/Zbb/Zbs shapes): d = f(a, b) or f(a, imm).
    case shiftAdd, shiftAddUnsignedW, andNot, orNot, xnor, countLeadingZeros, countTrailingZeros
    case popCount, countLeadingZerosW, countTrailingZerosW, popCountW, max, maxUnsigned, min, minUnsigned
    case signExtendByte, signExtendHalf, zeroExtendHalf, rotateLeft, rotateRight, rotateLeftW, rotateRightW
    case rotateRightImm, rotateRightImmW, orCombineBytes, byteReverse
    case bitClear, bitExtract, bitInvert, bitSet, bitClearImm, bitExtractImm, bitInvertImm, bitSetImm

    // Loads through the SoftMMU: d = memory[a + imm], sign- or zero-extended.
    case load8, load8Unsigned, load16, load16Unsigned, load32, load32Unsigned, load64
    // Stores through the SoftMMU: memory[a + imm] = low bits of b.
    case store8, store16, store32, store64
    /// Load-reserved of 4 (sign-extended) or 8 bytes at a; faults unless naturally aligned.
    case loadReserved32, loadReserved64
    /// Store-conditional of b at a: d = 0 on success, 1 on failure.
    case storeConditional32, storeConditional64
    /// Atomic read-modify-write at a with b: d = old value; `c` is an `AtomicOperation`.
    case atomic32, atomic64
    /// A full host memory barrier (guest FENCE), so other vCPU threads see stores in order.
    case fence

    // Block ends. Conditional branches compare a with b and, if taken, leave the block for the
    // packed target; otherwise execution continues with the next op.
    case branchEqual, branchNotEqual, branchLess, branchGreaterEqual, branchLessUnsigned, branchGreaterEqualUnsigned
    /// Leaves the block for the packed target.
    case jump
    /// Leaves the block for (a + imm) with bit 0 cleared.
    case jumpIndirect
    /// Leaves the block for the PC of the next guest instruction (imm = its offset), without
    /// chaining, so the exec loop looks at pending work (after CSR writes, FENCE.I).
    case exitToLoop
    /// Raises a guest exception: low 32 bits of imm are the front end's cause; `c` selects the
    /// trap value: 0 none, 1 the high 32 bits of imm (instruction bits), 2 the instruction's PC,
    /// 3 its PC + 2 (a fetch fault in the second half of an instruction).
    case raise
    /// Calls the front end's helper (CSRs, system instructions, floating point).
    case helper
    /// Written over the first op of an invalidated block: return to the exec loop, which
    /// translates the block at imm again.
    case invalidated

    // Tier-up (emitted only while the LLVM tier is enabled, as a block's first op).
    /// Counts entries into its block: imm is decremented, and at zero the interpreter returns to
    /// the exec loop, which compiles a region starting at this block.
    case profile
    /// The block is the entry of compiled region imm: the interpreter returns to the exec loop,
    /// which runs the compiled code.
    case enterCompiled
}

/// The read-modify-write operations of `atomic32` / `atomic64`.
public enum AtomicOperation: UInt8, Sendable {
    case swap, add, xor, and, or, min, max, minUnsigned, maxUnsigned
}
