import CLLVM

/// Loads, stores and atomics: the SoftMMU TLB hit path inline (index, tag compare, host address
/// = addend + guest address), the `JITThunks` slow paths on a miss, and a fault exit that
/// returns to the exec loop with the precise PC and retired count.
extension RegionLowering {
    /// log2 of a TLBEntry's size in bytes (four words: readTag, writeTag, addend, physicalPage).
    static let tlbEntryShift: UInt64 = 5

    mutating func lowerLoad(_ op: IROp, at: UInt64) {
        let size = CPUContext.accessSize(op.code)
        let address = LLVMBuildAdd(builder, read(op.a), const(UInt64(bitPattern: op.imm)), "addr")!
        let type = intType(size)
        let (host, slow, join) = directRAM.map { probeRAM($0, address, size: size, type: type) }
            ?? probeTLB(address, size: size, tagWord: 0, type: type)
        let loaded = LLVMBuildLoad2(builder, type, host, "")!
        LLVMSetAlignment(loaded, 1)
        let fastValue = size == 8 ? loaded : LLVMBuildZExt(builder, loaded, i64, "")!
        let fastEnd = LLVMGetInsertBlock(builder)
        LLVMBuildBr(builder, join)

        LLVMPositionBuilderAtEnd(builder, slow)
        let status = callThunk(Self.loadThunkType(self), address: UInt(bitPattern: unsafeBitCast(JITThunks.load, to: UnsafeRawPointer.self)),
                               [cpuPointer, address, const(size), frame])
        faultUnless(status, at: at, retired: op.retired)
        let slowValue = LLVMBuildLoad2(builder, i64, frameWord(JITFrame.scratch), "")!
        let slowEnd = LLVMGetInsertBlock(builder)
        LLVMBuildBr(builder, join)

        LLVMPositionBuilderAtEnd(builder, join)
        let merged = LLVMBuildPhi(builder, i64, "loaded")!
        var values: [LLVMValueRef?] = [fastValue, slowValue]
        var blocks: [LLVMBasicBlockRef?] = [fastEnd, slowEnd]
        LLVMAddIncoming(merged, &values, &blocks, 2)
        let result: LLVMValueRef = switch op.code {
        case .load8: LLVMBuildSExt(builder, LLVMBuildTrunc(builder, merged, i8, ""), i64, "")
        case .load16: LLVMBuildSExt(builder, LLVMBuildTrunc(builder, merged, i16, ""), i64, "")
        case .load32: LLVMBuildSExt(builder, LLVMBuildTrunc(builder, merged, i32, ""), i64, "")
        default: merged
        }
        write(op.d, result)
    }

    mutating func lowerStore(_ op: IROp, at: UInt64) {
        let size = CPUContext.accessSize(op.code)
        let address = LLVMBuildAdd(builder, read(op.a), const(UInt64(bitPattern: op.imm)), "addr")!
        let value = read(op.b)
        let type = intType(size)
        let narrowed = size == 8 ? value : LLVMBuildTrunc(builder, value, type, "")!
        let builder = builder
        let store = { (host: LLVMValueRef) in LLVMSetAlignment(LLVMBuildStore(builder, narrowed, host), 1) }
        let slow, join: LLVMBasicBlockRef?
        if let ram = directRAM {
            (slow, join) = storeToRAM(ram, address, size: size, type: type, store: store)
        } else {
            let probe = probeTLB(address, size: size, tagWord: 1, type: type)
            store(probe.host)
            LLVMBuildBr(builder, probe.join)
            (slow, join) = (probe.slow, probe.join)
        }

        LLVMPositionBuilderAtEnd(builder, slow)
        let status = callThunk(Self.storeThunkType(self), address: UInt(bitPattern: unsafeBitCast(JITThunks.store, to: UnsafeRawPointer.self)),
                               [cpuPointer, address, const(size), value, frame])
        faultUnless(status, at: at, retired: op.retired)
        LLVMBuildBr(builder, join)
        LLVMPositionBuilderAtEnd(builder, join)
    }

    mutating func lowerAtomic(_ op: IROp, at: UInt64) {
        let packed = UInt64(op.code.rawValue) | UInt64(op.c) << 8
        let status = callThunk(Self.atomicThunkType(self), address: UInt(bitPattern: unsafeBitCast(JITThunks.atomic, to: UnsafeRawPointer.self)),
                               [cpuPointer, const(packed), read(op.a), read(op.b), frame])
        faultUnless(status, at: at, retired: op.retired)
        write(op.d, LLVMBuildLoad2(builder, i64, frameWord(JITFrame.scratch), "")!)
    }

    // MARK: Pieces

    /// Branches on the TLB probe for an access of `size` bytes at `address`, comparing the
    /// entry's read tag (`tagWord` 0) or write tag (1); leaves the builder in the hit block and
    /// returns the host pointer (to a `type` value) with the miss and join blocks (the miss
    /// branch is marked cold).
    private func probeTLB(_ address: LLVMValueRef, size: UInt64, tagWord: Int, type: LLVMTypeRef)
        -> (host: LLVMValueRef, slow: LLVMBasicBlockRef?, join: LLVMBasicBlockRef?) {
        let slow = LLVMAppendBasicBlockInContext(context, function, "tlbmiss")!
        let join = LLVMAppendBasicBlockInContext(context, function, "access")
        return (branchOnTLB(address, size: size, tagWord: tagWord, type: type, miss: slow), slow, join)
    }

    /// The TLB probe proper: branches to `miss` unless the tag matches, leaves the builder in
    /// the hit block and returns the host pointer there.
    func branchOnTLB(_ address: LLVMValueRef, size: UInt64, tagWord: Int, type: LLVMTypeRef,
                     miss: LLVMBasicBlockRef) -> LLVMValueRef {
        let entry = tlbEntry(address)
        let tag = LLVMBuildLoad2(builder, i64, Self.gep(builder, i64, entry, tagWord, in: context), "tag")
        let hit = LLVMBuildICmp(builder, LLVMIntEQ, tag, expectedTag(address, size: size), "hit")
        let fast = LLVMAppendBasicBlockInContext(context, function, "tlbhit")
        LLVMBuildCondBr(builder, hit, fast, miss)
        setColdWeights(LLVMGetLastInstruction(LLVMGetInsertBlock(builder)))
        LLVMPositionBuilderAtEnd(builder, fast)
        return hostPointer(entry, address, type)
    }

    /// The entry's byte offset comes from one shift and one mask (entries are 32 bytes), so
    /// FastISel folds it into the tag and addend loads' addressing instead of scaling an index
    /// twice.
    private func tlbEntry(_ address: LLVMValueRef) -> LLVMValueRef {
        let offset = LLVMBuildAnd(builder, LLVMBuildLShr(builder, address, const(TLBGeometry.pageShift - Self.tlbEntryShift), ""),
                                  const(TLBGeometry.indexMask << Self.tlbEntryShift), "")
        var indices: [LLVMValueRef?] = [offset]
        let bytes = LLVMBuildInBoundsGEP2(builder, i8, LLVMBuildBitCast(builder, tlb, LLVMPointerType(i8, 0), ""), &indices, 1, "")
        return LLVMBuildBitCast(builder, bytes, i64Pointer, "entry")
    }

    private func expectedTag(_ address: LLVMValueRef, size: UInt64) -> LLVMValueRef {
        LLVMBuildAnd(builder, address, const(~TLBGeometry.pageOffsetMask | (size &- 1)), "tag")
    }

    /// The addend as a byte pointer indexed by the guest address, rather than the sum of the two
    /// as an integer: FastISel folds such an index into the access's addressing mode, while the
    /// sum cost an add (and a copy, where the guest address stays live) before each access.
    private func hostPointer(_ entry: LLVMValueRef, _ address: LLVMValueRef, _ type: LLVMTypeRef) -> LLVMValueRef {
        let addend = LLVMBuildLoad2(builder, i64, Self.gep(builder, i64, entry, 2, in: context), "addend")
        let base = LLVMBuildIntToPtr(builder, addend, LLVMPointerType(i8, 0), "")
        var index: [LLVMValueRef?] = [address]
        let host = LLVMBuildGEP2(builder, i8, base, &index, 1, "")
        return LLVMBuildBitCast(builder, host, LLVMPointerType(type, 0), "host")
    }

    func intType(_ size: UInt64) -> LLVMTypeRef {
        switch size {
        case 1: i8
        case 2: i16
        case 4: i32
        default: i64
        }
    }

    /// Leaves through a memory-fault exit when a thunk's status is 0.
    private mutating func faultUnless(_ status: LLVMValueRef, at: UInt64, retired count: UInt8) {
        calledThunk = true
        let failed = LLVMBuildICmp(builder, LLVMIntEQ, status, const(0), "failed")
        let faultBlock = LLVMAppendBasicBlockInContext(context, function, "fault")
        let ok = LLVMAppendBasicBlockInContext(context, function, "ok")
        LLVMBuildCondBr(builder, failed, faultBlock, ok)
        LLVMPositionBuilderAtEnd(builder, faultBlock)
        exit(.memoryFault, pc: const(at), retiredExtra: UInt64(count) &- 1)
        LLVMPositionBuilderAtEnd(builder, ok)
    }

    private func callThunk(_ type: LLVMTypeRef, address: UInt, _ arguments: [LLVMValueRef]) -> LLVMValueRef {
        let pointer = LLVMConstIntToPtr(const(UInt64(address)), LLVMPointerType(type, 0))
        var args: [LLVMValueRef?] = arguments.map { $0 }
        return LLVMBuildCall2(builder, type, pointer, &args, UInt32(args.count), "status")
    }

    func setColdWeights(_ branch: LLVMValueRef?) {
        guard let branch else { return }
        let kind = LLVMGetMDKindIDInContext(context, "prof", 4)
        var operands: [LLVMMetadataRef?] = [
            LLVMMDStringInContext2(context, "branch_weights", 14),
            LLVMValueAsMetadata(LLVMConstInt(i32, 2000, 0)),
            LLVMValueAsMetadata(LLVMConstInt(i32, 1, 0)),
        ]
        let node = LLVMMDNodeInContext2(context, &operands, 3)
        LLVMSetMetadata(branch, kind, LLVMMetadataAsValue(context, node))
    }

    static func loadThunkType(_ l: borrowing RegionLowering) -> LLVMTypeRef {
        var params: [LLVMTypeRef?] = [LLVMPointerType(l.i8, 0), l.i64, l.i64, l.i64Pointer]
        return LLVMFunctionType(l.i64, &params, 4, 0)
    }

    static func storeThunkType(_ l: borrowing RegionLowering) -> LLVMTypeRef {
        var params: [LLVMTypeRef?] = [LLVMPointerType(l.i8, 0), l.i64, l.i64, l.i64, l.i64Pointer]
        return LLVMFunctionType(l.i64, &params, 5, 0)
    }

    static func atomicThunkType(_ l: borrowing RegionLowering) -> LLVMTypeRef {
        var params: [LLVMTypeRef?] = [LLVMPointerType(l.i8, 0), l.i64, l.i64, l.i64, l.i64Pointer]
        return LLVMFunctionType(l.i64, &params, 5, 0)
    }
}
