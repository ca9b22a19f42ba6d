import Machine

/// What a front end fills while it translates one block: the IR ops, plus which guest bytes the
/// block was made from (so that stores to them invalidate it).
///
/// The builder stamps every op with its instruction's PC offset and retired count, so front ends
/// emit plain ops and precise faults come for free. A block ends at the first control transfer
/// or system instruction, at `maxInstructions`, or where the next instruction cannot be fetched.
///
/// Ops go to a scratch buffer the translation cache owns and the cache copies them in, so
/// translating a block allocates nothing.
public struct BlockBuilder: ~Copyable {
    /// Guest instructions per block at most; keeps `IROp.retired` and `pcOffset` in range.
    public static let maxInstructions = 128
    /// Ops per block at most: a guest instruction becomes at most three ops (a `jalr` whose rd is
    /// its rs1, a NaN-boxing `flw`), plus the jump that ends a full block.
    static let maxOps = maxInstructions * 3 + 1

    /// The guest PC (guest-virtual; guest-physical while address translation is off) of the
    /// first instruction.
    public let startPC: UInt64
    /// The guest-physical address of the first instruction.
    public let physicalPC: UInt64
    /// The mode flags the block is translated for (part of its cache key).
    public let flags: UInt64
    /// The ops emitted so far, in `opBuffer`.
    public private(set) var opCount = 0
    public private(set) var instructionCount = 0
    /// Whether a block-ending op has been emitted.
    public private(set) var isEnded = false
    /// The end of the block's last instruction so far (`startPC` before the first).
    private var endPC: UInt64
    /// Why the last `fetch16` returned nil (an access or page fault of the fetch).
    public private(set) var fetchFault: GuestFault?
    private var currentOffset: UInt16 = 0
    private let cpu: CPUContext
    /// Where the ops go (`maxOps` of them): the translation cache's scratch buffer.
    private let opBuffer: UnsafeMutablePointer<IROp>
    /// The virtual-to-physical mapping of a second page, once the block reached one.
    private var nextPage: (virtual: UInt64, physical: UInt64)?

    init(startPC: UInt64, physicalPC: UInt64, flags: UInt64, cpu: CPUContext) {
        self.startPC = startPC
        self.physicalPC = physicalPC
        self.flags = flags
        self.cpu = cpu
        endPC = startPC
        opBuffer = cpu.cache.builderScratch
    }

    /// The ops of the block so far; valid until the next block is built.
    public var ops: UnsafeBufferPointer<IROp> { UnsafeBufferPointer(start: opBuffer, count: opCount) }

    /// The guest-physical address of code at `pc`, or nil (and `fetchFault`) if it cannot be
    /// fetched.
    private mutating func physical(_ pc: UInt64) -> UInt64? {
        let page = pc >> TLBGeometry.pageShift
        if page == startPC >> TLBGeometry.pageShift {
            return (physicalPC & ~TLBGeometry.pageOffsetMask) | (pc & TLBGeometry.pageOffsetMask)
        }
        if let next = nextPage, next.virtual == page {
            return next.physical << TLBGeometry.pageShift | (pc & TLBGeometry.pageOffsetMask)
        }
        switch cpu.translateFetch(pc) {
        case .success(let p):
            nextPage = (page, p >> TLBGeometry.pageShift)
            return p
        case .failure(let fault):
            fetchFault = fault
            return nil
        }
    }

    /// Whether another instruction fits.
    public var isFull: Bool { instructionCount >= Self.maxInstructions }

    /// Reads 16 bits of guest code at virtual `pc`, or nil where it cannot be fetched (not RAM,
    /// or a fetch fault, which `fetchFault` then holds).
    public mutating func fetch16(at pc: UInt64) -> UInt16? {
        guard let address = physical(pc) else { return nil }
        guard let p = cpu.memory.hostPointer(address, length: 2) else {
            fetchFault = .fetchAccess(address: pc)
            return nil
        }
        return UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))
    }

    /// Starts the next guest instruction, `length` bytes at `pc`, which must follow the previous
    /// one (a block is one run of consecutive instructions from `startPC`); the ops emitted until
    /// the next call belong to it.
    public mutating func beginInstruction(at pc: UInt64, length: UInt64) {
        precondition(!isFull && !isEnded, "a front end emitted past the end of its block")
        precondition(pc == endPC, "a block's instructions must be consecutive")
        instructionCount += 1
        currentOffset = UInt16(truncatingIfNeeded: pc &- startPC)
        endPC = pc &+ length
    }

    /// The guest-physical pages the block's bytes `startPC ..< endPC` lie in, by physical number,
    /// with the chunks they occupy. Worked out once from the byte range rather than per
    /// instruction: the range is contiguous and its pages' mappings were found while fetching.
    public var pages: BlockPages {
        var pages = BlockPages()
        guard endPC != startPC else { return pages }
        let last = endPC &- 1
        let firstPage = physicalPC >> TLBGeometry.pageShift
        if startPC >> TLBGeometry.pageShift == last >> TLBGeometry.pageShift {
            pages.note(page: firstPage, chunks: CodeMask.chunks(startPC, last))
        } else {
            guard let next = nextPage, next.virtual == last >> TLBGeometry.pageShift else {
                preconditionFailure("a block's second page was never fetched")
            }
            pages.note(page: firstPage, chunks: CodeMask.chunks(startPC, startPC | TLBGeometry.pageOffsetMask))
            pages.note(page: next.physical, chunks: CodeMask.chunks(last & ~TLBGeometry.pageOffsetMask, last))
        }
        return pages
    }

    /// Appends an op of the current instruction; an `addImm` right after another one is fused
    /// with it into an `addImmPair` (neither can fault, so the pair retires as the second).
    public mutating func emit(_ op: IROp) {
        var op = op
        op.retired = UInt8(truncatingIfNeeded: instructionCount)
        op.pcOffset = currentOffset
        if op.code == .addImm, opCount > 0, opBuffer[opCount - 1].code == .addImm, let pair = IROp.pair(opBuffer[opCount - 1], op) {
            opBuffer[opCount - 1] = pair
            return
        }
        precondition(opCount < Self.maxOps, "a front end emitted more than three ops for an instruction")
        (opBuffer + opCount).initialize(to: op)
        opCount += 1
        switch op.code {
        case .jump, .jumpIndirect, .exitToLoop, .raise, .invalidated: isEnded = true
        default: break
        }
    }

    /// Appends a direct transfer (a `jump` or a conditional branch) to `target`.
    public mutating func emitTransfer(_ code: IROpcode, a: UInt8 = 0, b: UInt8 = 0, to target: UInt64) {
        let offset = Int64(bitPattern: target &- startPC)
        precondition(offset == Int64(Int32(truncatingIfNeeded: offset)), "a direct transfer spans more than 2 GiB")
        emit(IROp(code, a: a, b: b, imm: IROp.transferImmediate(offset: Int32(truncatingIfNeeded: offset))))
    }

    /// Appends an `exitToLoop` that resumes at `pc`.
    public mutating func emitExitToLoop(resumeAt pc: UInt64) {
        emit(IROp(.exitToLoop, imm: Int64(bitPattern: pc &- startPC)))
    }
}
