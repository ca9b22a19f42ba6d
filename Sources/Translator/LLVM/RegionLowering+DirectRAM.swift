import CLLVM

/// The fast paths of loads and stores in modes without data address translation (M-mode
/// without MPRV, satp Bare): the guest address is guest-physical, so instead of the TLB probe
/// (index, tag load, compare, addend load) one range check against the RAM bank, known when
/// the region is compiled, finds the host address. Addresses outside the bank (device
/// registers, faults, the other banks) take the slow path, as a TLB miss does.
///
/// A store must still see pages holding translated code, whose TLB entries withhold the write
/// tag so that the slow path drops the code. Above the frame's `codeLimit` no page has held
/// code, so a store there goes straight to RAM; below it the store probes the TLB as in
/// translated modes. Guests put code low and data above it, so the one compare keeps most
/// stores off the TLB (testing a per-page code bitmap instead would take as many host
/// instructions as the probe itself).
extension RegionLowering {
    /// Branches on whether a load of `size` bytes at `address` lies wholly inside `ram`;
    /// leaves the builder in the in-RAM block and returns the host pointer with the slow and
    /// join blocks (the slow branch is marked cold).
    func probeRAM(_ ram: DirectRAM, _ address: LLVMValueRef, size: UInt64, type: LLVMTypeRef)
        -> (host: LLVMValueRef, slow: LLVMBasicBlockRef?, join: LLVMBasicBlockRef?) {
        let (offset, inside) = ramOffset(ram, address, size: size)
        let fast = LLVMAppendBasicBlockInContext(context, function, "inram")
        let slow = LLVMAppendBasicBlockInContext(context, function, "outsideram")
        let join = LLVMAppendBasicBlockInContext(context, function, "access")
        LLVMBuildCondBr(builder, inside, fast, slow)
        setColdWeights(LLVMGetLastInstruction(LLVMGetInsertBlock(builder)))
        LLVMPositionBuilderAtEnd(builder, fast)
        return (ramPointer(ram, offset, type), slow, join)
    }

    /// The fast paths of a store of `size` bytes at `address`: in RAM at or above `codeLimit`
    /// straight to the offset, in RAM below it through the TLB's write entry. `store` emits the
    /// store to a host pointer (once per path, so each folds its address into the store); both
    /// paths continue at the returned join block, and a TLB miss, a code page or an address
    /// outside RAM at the returned slow block, where the builder is left unpositioned.
    func storeToRAM(_ ram: DirectRAM, _ address: LLVMValueRef, size: UInt64, type: LLVMTypeRef,
                    store: (LLVMValueRef) -> Void) -> (slow: LLVMBasicBlockRef?, join: LLVMBasicBlockRef?) {
        let (offset, inside) = ramOffset(ram, address, size: size)
        let checkCode = LLVMAppendBasicBlockInContext(context, function, "inram")
        let direct = LLVMAppendBasicBlockInContext(context, function, "abovecode")
        let belowCode = LLVMAppendBasicBlockInContext(context, function, "belowcode")
        let slow = LLVMAppendBasicBlockInContext(context, function, "slowstore")!
        let join = LLVMAppendBasicBlockInContext(context, function, "access")
        LLVMBuildCondBr(builder, inside, checkCode, slow)
        setColdWeights(LLVMGetLastInstruction(LLVMGetInsertBlock(builder)))

        LLVMPositionBuilderAtEnd(builder, checkCode)
        let limit = LLVMBuildLoad2(builder, i64, frameWord(JITFrame.codeLimit), "codelimit")
        LLVMBuildCondBr(builder, LLVMBuildICmp(builder, LLVMIntUGE, address, limit, "abovecode"), direct, belowCode)
        setColdWeights(LLVMGetLastInstruction(LLVMGetInsertBlock(builder)))

        LLVMPositionBuilderAtEnd(builder, direct)
        store(ramPointer(ram, offset, type))
        LLVMBuildBr(builder, join)

        LLVMPositionBuilderAtEnd(builder, belowCode)
        store(branchOnTLB(address, size: size, tagWord: 1, type: type, miss: slow))
        LLVMBuildBr(builder, join)
        return (slow, join)
    }

    /// The access's offset into `ram` and whether all of its `size` bytes lie inside. The
    /// offset is an add of the negated base, which fits an instruction's 32-bit immediate for
    /// RAM at 2 GiB (a subtract of 0x8000_0000 does not).
    private func ramOffset(_ ram: DirectRAM, _ address: LLVMValueRef, size: UInt64) -> (offset: LLVMValueRef, inside: LLVMValueRef) {
        precondition(ram.size >= size, "a RAM bank smaller than one access")
        let offset = LLVMBuildAdd(builder, address, const(0 &- ram.base), "offset")!
        return (offset, LLVMBuildICmp(builder, LLVMIntULE, offset, const(ram.size &- size), "inram")!)
    }

    private func ramPointer(_ ram: DirectRAM, _ offset: LLVMValueRef, _ type: LLVMTypeRef) -> LLVMValueRef {
        LLVMBuildIntToPtr(builder, LLVMBuildAdd(builder, const(UInt64(ram.host)), offset, ""), LLVMPointerType(type, 0), "host")!
    }
}
