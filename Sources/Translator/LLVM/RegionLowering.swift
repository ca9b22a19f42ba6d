import CLLVM

/// Lowers a region of IR blocks to one LLVM function with the `CompiledRegionFunction`
/// signature (LLVM 14 C API, `*2` builders only).
///
/// Guest slots live in allocas (promoted to SSA values by `sroa`): each slot the region touches
/// is loaded at entry, and each exit stores the slots written before it back to the state
/// (`RegionLowering+WriteBack`) before it branches to the single exit block. Direct transfers
/// between the region's blocks are branches while the instructions retired in this call stay
/// below the frame's `loopLimit`, which bounds how long compiled code runs before the exec loop
/// sees exit requests.
/// Loads and stores inline the SoftMMU TLB hit path, or a RAM range check in modes without
/// address translation, and call `JITThunks` on a miss.
struct RegionLowering: ~Copyable {
    let context: LLVMContextRef
    let module: LLVMModuleRef
    let builder: LLVMBuilderRef
    let i1, i8, i16, i32, i64, i128: LLVMTypeRef
    let i64Pointer: LLVMTypeRef
    let function: LLVMValueRef
    let state: LLVMValueRef
    let frame: LLVMValueRef
    /// One alloca per slot the region names (nil for the others).
    var slots: [LLVMValueRef?]
    let retired: LLVMValueRef
    let tlb: LLVMValueRef
    let cpuPointer: LLVMValueRef
    /// The exit block and its incoming values (phis built at the end).
    let exitBlock: LLVMBasicBlockRef
    var exitIncoming: [ExitEdge] = []
    /// The chain slot (id, address) of each side-exit target PC.
    let chainSlots: [UInt64: (id: Int, address: UInt)]
    let indirect: IndirectLookup?
    /// The region's heat word (`RegionRequest.heat`).
    let heat: UInt?
    /// RAM that loads and stores reach without the TLB (`RegionRequest.directRAM`).
    let directRAM: DirectRAM?

    struct ExitEdge {
        var block: LLVMBasicBlockRef
        var code: LLVMValueRef
        var pc: LLVMValueRef
        var aux: LLVMValueRef
        var aux2: LLVMValueRef
        var retired: LLVMValueRef
        var chain: LLVMValueRef
    }
    /// The LLVM block of each region block, by guest PC.
    var blockEntries: [UInt64: LLVMBasicBlockRef] = [:]
    /// The index of each region block, by guest PC, and of the block being lowered.
    var blockIndices: [UInt64: Int] = [:]
    var currentBlock = 0
    /// Per region block: the slots it writes and the region blocks it transfers to.
    var blockWrites: [SlotSet]
    var blockSuccessors: [[Int]]
    /// The exits' write-backs, inserted once every block is lowered.
    var pendingWriteBacks: [PendingWriteBack] = []
    /// The loop-limit check in front of each region block that in-region transfers reach, by
    /// block index (filled in once every block is lowered).
    var budgetChecks: [Int: LLVMBasicBlockRef] = [:]
    /// Whether the block being lowered has called a slow-path thunk so far (which may have
    /// asked the region to leave at its next transfer).
    var calledThunk = false

    init(module: LLVMModuleRef, context: LLVMContextRef, name: String, blocks: [RegionBlock],
         chainSlots: [UInt64: (id: Int, address: UInt)], indirect: IndirectLookup?, heat: UInt? = nil,
         directRAM: DirectRAM? = nil, zeroSlot: Int? = nil) {
        self.chainSlots = chainSlots
        self.directRAM = directRAM
        self.heat = heat
        self.indirect = indirect
        self.context = context
        self.module = module
        blockWrites = Array(repeating: SlotSet(), count: blocks.count)
        blockSuccessors = Array(repeating: [], count: blocks.count)
        builder = LLVMCreateBuilderInContext(context)
        i1 = LLVMInt1TypeInContext(context)
        i8 = LLVMInt8TypeInContext(context)
        i16 = LLVMInt16TypeInContext(context)
        i32 = LLVMInt32TypeInContext(context)
        i64 = LLVMInt64TypeInContext(context)
        i128 = LLVMIntTypeInContext(context, 128)
        i64Pointer = LLVMPointerType(i64, 0)
        var params: [LLVMTypeRef?] = [i64Pointer, i64Pointer]
        let type = LLVMFunctionType(i64, &params, 2, 0)
        function = LLVMAddFunction(module, name, type)
        state = LLVMGetParam(function, 0)
        frame = LLVMGetParam(function, 1)
        LLVMAddAttributeAtIndex(function, 1, Self.attribute(context, "noalias"))
        LLVMAddAttributeAtIndex(function, 2, Self.attribute(context, "noalias"))
        let entry = LLVMAppendBasicBlockInContext(context, function, "entry")
        exitBlock = LLVMAppendBasicBlockInContext(context, function, "exit")
        LLVMPositionBuilderAtEnd(builder, entry)

        var slots = [LLVMValueRef?](repeating: nil, count: 256)
        for block in blocks {
            for op in block.ops where op.code != .profile && op.code != .enterCompiled {
                // `addImmPair` reads its second source from c.
                for slot in [op.d, op.a, op.b, op.code == .addImmPair ? op.c : op.d] where slots[Int(slot)] == nil {
                    slots[Int(slot)] = LLVMBuildAlloca(builder, i64, "s\(slot)")
                }
            }
        }
        retired = LLVMBuildAlloca(builder, i64, "retired")
        self.slots = slots
        for slot in 0..<256 {
            guard let alloca = slots[slot] else { continue }
            // The zero slot starts as the constant, which LLVM folds into its uses (a negate
            // instead of a subtract from a register, a test instead of a compare).
            let value = slot == zeroSlot ? LLVMConstInt(i64, 0, 0)
                : LLVMBuildLoad2(builder, i64, Self.gep(builder, i64, state, slot, in: context), "")
            LLVMBuildStore(builder, value, alloca)
        }
        LLVMBuildStore(builder, LLVMConstInt(i64, 0, 0), retired)
        let tlbWord = LLVMBuildLoad2(builder, i64, Self.gep(builder, i64, frame, JITFrame.tlb, in: context), "tlbword")
        tlb = LLVMBuildIntToPtr(builder, tlbWord, i64Pointer, "tlb")
        let cpuWord = LLVMBuildLoad2(builder, i64, Self.gep(builder, i64, frame, JITFrame.cpu, in: context), "cpuword")
        cpuPointer = LLVMBuildIntToPtr(builder, cpuWord, LLVMPointerType(i8, 0), "cpu")
        for (index, block) in blocks.enumerated() {
            blockEntries[block.pc] = LLVMAppendBasicBlockInContext(context, function, "b\(String(block.pc, radix: 16))")
            blockIndices[block.pc] = index
        }
        LLVMBuildBr(builder, blockEntries[blocks[0].pc])
    }

    deinit { LLVMDisposeBuilder(builder) }

    /// Lowers every block, then the exits' write-backs and the exit block.
    mutating func lower(_ blocks: [RegionBlock]) {
        for (index, block) in blocks.enumerated() {
            currentBlock = index
            calledThunk = false
            LLVMPositionBuilderAtEnd(builder, blockEntries[block.pc])
            lowerBlock(block)
        }
        lowerBudgetChecks(blocks)
        emitWriteBacks()
        finishExit()
    }

    private mutating func lowerBlock(_ block: RegionBlock) {
        for (index, op) in block.ops.enumerated() {
            if lowerOp(op, index: block.firstOp + index, blockPC: block.pc) { return }
        }
        preconditionFailure("block \(String(block.pc, radix: 16)) has no block-ending op")
    }

    /// Lowers one op; returns true when it ended the LLVM block (a block-ending op).
    private mutating func lowerOp(_ op: IROp, index: Int, blockPC: UInt64) -> Bool {
        let at = blockPC &+ UInt64(op.pcOffset)
        switch op.code {
        case .add, .sub, .and, .or, .xor, .shiftLeft, .shiftRightLogical, .shiftRightArithmetic,
             .setLessThan, .setLessThanUnsigned, .addW, .subW, .shiftLeftW, .shiftRightLogicalW,
             .shiftRightArithmeticW, .mul, .mulHigh, .mulHighSignedUnsigned, .mulHighUnsigned, .mulW,
             .div, .divUnsigned, .rem, .remUnsigned, .divW, .divUnsignedW, .remW, .remUnsignedW,
             .addImm, .andImm, .orImm, .xorImm, .shiftLeftImm, .shiftRightLogicalImm, .shiftRightArithmeticImm,
             .setLessThanImm, .setLessThanUnsignedImm, .addImmW, .shiftLeftImmW, .shiftRightLogicalImmW,
             .shiftRightArithmeticImmW, .loadImm,
             .shiftAdd, .shiftAddUnsignedW, .andNot, .orNot, .xnor, .countLeadingZeros, .countTrailingZeros,
             .popCount, .countLeadingZerosW, .countTrailingZerosW, .popCountW, .max, .maxUnsigned, .min, .minUnsigned,
             .signExtendByte, .signExtendHalf, .zeroExtendHalf, .rotateLeft, .rotateRight, .rotateLeftW, .rotateRightW,
             .rotateRightImm, .rotateRightImmW, .orCombineBytes, .byteReverse,
             .bitClear, .bitExtract, .bitInvert, .bitSet, .bitClearImm, .bitExtractImm, .bitInvertImm, .bitSetImm:
            write(op.d, arithmetic(op))
            return false

        case .addImmPair:
            let (first, second) = op.pairImmediates
            write(op.d, LLVMBuildAdd(builder, read(op.a), const(UInt64(bitPattern: first)), "")!)
            write(op.b, LLVMBuildAdd(builder, read(op.c), const(UInt64(bitPattern: second)), "")!)
            return false

        case .load8, .load8Unsigned, .load16, .load16Unsigned, .load32, .load32Unsigned, .load64:
            lowerLoad(op, at: at)
            return false

        case .store8, .store16, .store32, .store64:
            lowerStore(op, at: at)
            return false

        case .loadReserved32, .loadReserved64, .storeConditional32, .storeConditional64, .atomic32, .atomic64:
            lowerAtomic(op, at: at)
            return false

        case .fence:
            // A full barrier as an idempotent locked RMW rather than `fence seq_cst`: LLVM 14
            // lowers the fence to MFENCE, which costs about 27 ns on the AMD hosts measured
            // here, and the unused `or 0` to `lock or` on the stack, about 3.5 ns, with the same
            // ordering for ordinary memory (what Linux uses for smp_mb on x86 too).
            LLVMBuildAtomicRMW(builder, LLVMAtomicRMWBinOpOr, frameWord(JITFrame.scratch), const(0),
                               LLVMAtomicOrderingSequentiallyConsistent, 0)
            return false

        case .branchEqual, .branchNotEqual, .branchLess, .branchGreaterEqual, .branchLessUnsigned,
             .branchGreaterEqualUnsigned:
            let predicate: LLVMIntPredicate = switch op.code {
            case .branchEqual: LLVMIntEQ
            case .branchNotEqual: LLVMIntNE
            case .branchLess: LLVMIntSLT
            case .branchGreaterEqual: LLVMIntSGE
            case .branchLessUnsigned: LLVMIntULT
            default: LLVMIntUGE
            }
            let taken = LLVMBuildICmp(builder, predicate, read(op.a), read(op.b), "taken")
            let takenBlock = LLVMAppendBasicBlockInContext(context, function, "taken")
            let next = LLVMAppendBasicBlockInContext(context, function, "fall")
            LLVMBuildCondBr(builder, taken, takenBlock, next)
            LLVMPositionBuilderAtEnd(builder, takenBlock)
            transfer(to: blockPC &+ UInt64(bitPattern: op.targetOffset), retiring: op.retired)
            LLVMPositionBuilderAtEnd(builder, next)
            return false

        case .jump:
            transfer(to: blockPC &+ UInt64(bitPattern: op.targetOffset), retiring: op.retired)
            return true

        case .jumpIndirect:
            let target = LLVMBuildAnd(builder, LLVMBuildAdd(builder, read(op.a), const(UInt64(bitPattern: op.imm)), ""),
                                      const(~1), "target")!
            exit(.indirect, pc: target, retiredExtra: UInt64(op.retired), chain: indirect.map { lookupEntry(target, $0) })
            return true

        case .exitToLoop:
            exit(.indirect, pc: const(blockPC &+ UInt64(bitPattern: op.imm)), retiredExtra: UInt64(op.retired))
            return true

        case .raise:
            let imm = UInt64(bitPattern: op.imm)
            let value = op.raisedTrapValue(at: at)
            exit(.raise, pc: const(at), aux: const(imm & 0xFFFF_FFFF), aux2: const(value),
                 retiredExtra: UInt64(op.retired) &- 1)
            return true

        case .helper:
            exit(.helper, pc: const(blockPC), aux: const(UInt64(index)), retiredExtra: 0)
            return true

        case .invalidated:
            exit(.indirect, pc: const(UInt64(bitPattern: op.imm)), retiredExtra: 0)
            return true

        case .profile, .enterCompiled:
            return false
        }
    }

    // MARK: Transfers and exits

    /// A direct transfer: a branch to the target's block if the region holds it, a side exit
    /// otherwise. A transfer that may close a loop (to this or an earlier block of the region)
    /// goes through the target's loop-limit check, and so does one after a slow path, which may
    /// have asked the region to leave (`JITThunks`); other forward transfers cannot loop and need
    /// none. The one counter serves both instret and the loop bound: a separate edge countdown
    /// cost a register and two instructions on every loop back edge. Every transfer retires its
    /// branch, so the count grows on each edge and the bound holds.
    private mutating func transfer(to target: UInt64, retiring count: UInt8) {
        guard let index = blockIndices[target] else {
            let slot = chainSlots[target]
            exit(.jump, pc: const(target), aux: const(UInt64(slot.map { $0.id + 1 } ?? 0)), retiredExtra: UInt64(count),
                 chain: slot.map { const(UInt64($0.address)) })
            return
        }
        precondition(count > 0, "an in-region transfer retires its branch")
        blockSuccessors[currentBlock].append(index)
        let total = LLVMBuildAdd(builder, LLVMBuildLoad2(builder, i64, retired, ""), const(UInt64(count)), "")
        LLVMBuildStore(builder, total, retired)
        guard index <= currentBlock || calledThunk else {
            LLVMBuildBr(builder, blockEntries[target])
            return
        }
        // Placed just before the block, into which it falls through.
        let check = budgetChecks[index] ?? LLVMInsertBasicBlockInContext(context, blockEntries[target], "budget")!
        budgetChecks[index] = check
        LLVMBuildBr(builder, check)
    }

    /// The checks in-region transfers branch through: on to the block while the call has retired
    /// fewer than `loopLimit` instructions, else a side exit to it. One check per target block
    /// rather than per transfer gives each target one exit and one write-back: the exits'
    /// write-backs were most of a region's stores.
    private mutating func lowerBudgetChecks(_ blocks: [RegionBlock]) {
        for (index, check) in budgetChecks.sorted(by: { $0.key < $1.key }) {
            currentBlock = index
            LLVMPositionBuilderAtEnd(builder, check)
            let total = LLVMBuildLoad2(builder, i64, retired, "")
            let limit = LLVMBuildLoad2(builder, i64, frameWord(JITFrame.loopLimit), "limit")
            let out = LLVMAppendBasicBlockInContext(context, function, "overbudget")
            LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntULT, total, limit, ""), blockEntries[blocks[index].pc], out)
            LLVMPositionBuilderAtEnd(builder, out)
            exit(.jump, pc: const(blocks[index].pc), retiredExtra: 0, atBlockEntry: true)
        }
    }

    /// Branches to the exit block, which stores the frame words and returns `code`; the branch
    /// gets the exit's write-back later (`emitWriteBacks`). `retiredExtra` adds to the
    /// instructions retired by completed blocks. `atBlockEntry`: the exit leaves from the entry
    /// of the current block, before any of its ops.
    mutating func exit(_ code: JITFrame.Exit, pc: LLVMValueRef, aux: LLVMValueRef? = nil, aux2: LLVMValueRef? = nil,
                       retiredExtra: UInt64, chain: LLVMValueRef? = nil, atBlockEntry: Bool = false) {
        let count = LLVMBuildAdd(builder, LLVMBuildLoad2(builder, i64, retired, ""), const(retiredExtra), "")!
        exitIncoming.append(ExitEdge(block: LLVMGetInsertBlock(builder), code: const(code.rawValue), pc: pc, aux: aux ?? const(0),
                                     aux2: aux2 ?? const(0), retired: count, chain: chain ?? const(0)))
        pendingWriteBacks.append(PendingWriteBack(branch: LLVMBuildBr(builder, exitBlock), block: currentBlock,
                                                  writtenBefore: atBlockEntry ? SlotSet() : blockWrites[currentBlock]))
    }

    private mutating func finishExit() {
        LLVMPositionBuilderAtEnd(builder, exitBlock)
        func phi(_ name: String, _ pick: (ExitEdge) -> LLVMValueRef) -> LLVMValueRef {
            let node = LLVMBuildPhi(builder, i64, name)!
            var values: [LLVMValueRef?] = exitIncoming.map(pick)
            var blocks: [LLVMBasicBlockRef?] = exitIncoming.map(\.block)
            LLVMAddIncoming(node, &values, &blocks, UInt32(values.count))
            return node
        }
        let code = phi("code", \.code), pc = phi("pc", \.pc), aux = phi("aux", \.aux), aux2 = phi("aux2", \.aux2)
        let count = phi("count", \.retired), chain = phi("chain", \.chain)
        let total = LLVMBuildAdd(builder, LLVMBuildLoad2(builder, i64, frameWord(JITFrame.retired), ""), count, "")
        LLVMBuildStore(builder, total, frameWord(JITFrame.retired))
        if let heat {
            let word = LLVMBuildIntToPtr(builder, const(UInt64(heat)), i64Pointer, "heat")
            LLVMBuildStore(builder, LLVMBuildAdd(builder, LLVMBuildLoad2(builder, i64, word, ""), count, ""), word)
        }
        LLVMBuildStore(builder, pc, frameWord(JITFrame.exitPC))
        LLVMBuildStore(builder, aux, frameWord(JITFrame.aux))
        LLVMBuildStore(builder, aux2, frameWord(JITFrame.aux2))
        guard !chainSlots.isEmpty || indirect != nil else {
            LLVMBuildRet(builder, code)
            return
        }
        // A side exit whose chain slot holds a region continues there directly (a tail call)
        // while the frame's budget lasts.
        let tryChain = LLVMAppendBasicBlockInContext(context, function, "trychain")
        let callChain = LLVMAppendBasicBlockInContext(context, function, "chain")
        let leave = LLVMAppendBasicBlockInContext(context, function, "leave")
        LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntNE, chain, const(0), ""), tryChain, leave)
        LLVMPositionBuilderAtEnd(builder, tryChain)
        let target = LLVMBuildLoad2(builder, i64, LLVMBuildIntToPtr(builder, chain, i64Pointer, ""), "next")
        let budgetLeft = LLVMBuildLoad2(builder, i64, frameWord(JITFrame.budget), "")
        let canChain = LLVMBuildAnd(builder, LLVMBuildICmp(builder, LLVMIntNE, target, const(0), ""),
                                    LLVMBuildICmp(builder, LLVMIntNE, budgetLeft, const(0), ""), "")
        LLVMBuildCondBr(builder, canChain, callChain, leave)
        LLVMPositionBuilderAtEnd(builder, callChain)
        LLVMBuildStore(builder, LLVMBuildSub(builder, budgetLeft, const(1), ""), frameWord(JITFrame.budget))
        LLVMBuildStore(builder, const(0), frameWord(JITFrame.aux))
        var params: [LLVMTypeRef?] = [i64Pointer, i64Pointer]
        let type = LLVMFunctionType(i64, &params, 2, 0)
        let callee = LLVMBuildIntToPtr(builder, target, LLVMPointerType(type, 0), "")
        var args: [LLVMValueRef?] = [state, frame]
        let result = LLVMBuildCall2(builder, type, callee, &args, 2, "")
        LLVMSetTailCall(result, 1)
        LLVMBuildRet(builder, result)
        LLVMPositionBuilderAtEnd(builder, leave)
        LLVMBuildRet(builder, code)
    }

    // MARK: Values

    func const(_ value: UInt64) -> LLVMValueRef { LLVMConstInt(i64, value, 0) }

    func read(_ slot: UInt8) -> LLVMValueRef { LLVMBuildLoad2(builder, i64, slots[Int(slot)], "")! }

    /// Writes a slot's SSA copy; the state gets it at the exits that follow. (Write-back through
    /// phis in the one exit block, which grew with exits × slots, dominated compile time on
    /// large regions; the stores sit on each exit's own edge instead.)
    mutating func write(_ slot: UInt8, _ value: LLVMValueRef) {
        LLVMBuildStore(builder, value, slots[Int(slot)])
        blockWrites[currentBlock].insert(slot)
    }

    func frameWord(_ index: Int) -> LLVMValueRef { Self.gep(builder, i64, frame, index, in: context) }

    static func gep(_ builder: LLVMBuilderRef, _ type: LLVMTypeRef, _ base: LLVMValueRef, _ index: Int,
                    in context: LLVMContextRef) -> LLVMValueRef {
        var indices: [LLVMValueRef?] = [LLVMConstInt(LLVMInt64TypeInContext(context), UInt64(index), 0)]
        return LLVMBuildInBoundsGEP2(builder, type, base, &indices, 1, "")
    }

    static func attribute(_ context: LLVMContextRef, _ name: String) -> LLVMAttributeRef {
        let kind = LLVMGetEnumAttributeKindForName(name, name.utf8.count)
        return LLVMCreateEnumAttribute(context, kind, 0)
    }
}
