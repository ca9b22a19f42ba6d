import CLLVM

/// The fast paths of loads and stores in modes without data address translation (M-mode
/// without MPRV, satp Bare): the guest address is guest-physical, so instead of the TLB probe
/// (index, tag load, compare, addend load) a range check finds the host address, the guest
/// address plus a constant.
///
/// A load checks the address against the RAM bank, known when the region is compiled; outside
/// it (device registers, faults, the other banks) the slow path runs, as on a TLB miss. The
/// bound leaves out the bank's last byte for 1-byte loads: with the exact bound (a power of two
/// less one) LLVM rewrites the compare as a mask test, one host instruction longer.
///
/// A store must still see pages holding translated code, whose TLB entries withhold the write
/// tag so that the slow path drops the code. It checks the address against the frame's store
/// window (`JITFrame.storeLow`, `storeSpan`), RAM above every page that has held code, with one
/// subtract and one compare; outside the window it probes the TLB as in translated modes.
/// Guests put code low and data above it, so most stores stay off the TLB (testing a per-page
/// code bitmap instead would take as many host instructions as the probe itself).
extension RegionLowering {
    /// Branches on whether a load of `size` bytes at `address` lies wholly inside `ram`;
    /// leaves the builder in the in-RAM block and returns the host pointer with the slow and
    /// join blocks (the slow branch is marked cold).
    func probeRAM(_ ram: DirectRAM, _ address: LLVMValueRef, size: UInt64, type: LLVMTypeRef)
        -> (host: LLVMValueRef, slow: LLVMBasicBlockRef?, join: LLVMBasicBlockRef?) {
        let offset = LLVMBuildAdd(builder, address, const(0 &- ram.base), "offset")
        let inside = LLVMBuildICmp(builder, LLVMIntULE, offset, const(ram.size &- max(size, 2)), "inram")
        let fast = LLVMAppendBasicBlockInContext(context, function, "inram")
        let slow = LLVMAppendBasicBlockInContext(context, function, "outsideram")
        let join = LLVMAppendBasicBlockInContext(context, function, "access")
        LLVMBuildCondBr(builder, inside, fast, slow)
        setColdWeights(LLVMGetLastInstruction(LLVMGetInsertBlock(builder)))
        LLVMPositionBuilderAtEnd(builder, fast)
        return (ramPointer(ram, address, type), slow, join)
    }

    /// The fast paths of a store of `size` bytes at `address`: inside the store window straight
    /// to RAM, elsewhere through the TLB's write entry. `store` emits the store to a host
    /// pointer (once per path, so each folds its address into the store); both paths continue
    /// at the returned join block, and a TLB miss (a code page, an address outside RAM) at the
    /// returned slow block, where the builder is left unpositioned.
    func storeToRAM(_ ram: DirectRAM, _ address: LLVMValueRef, size: UInt64, type: LLVMTypeRef,
                    store: (LLVMValueRef) -> Void) -> (slow: LLVMBasicBlockRef?, join: LLVMBasicBlockRef?) {
        let low = LLVMBuildLoad2(builder, i64, frameWord(JITFrame.storeLow), "storelow")
        let span = LLVMBuildLoad2(builder, i64, frameWord(JITFrame.storeSpan), "storespan")
        let inside = LLVMBuildICmp(builder, LLVMIntULT, LLVMBuildSub(builder, address, low, ""), span, "inwindow")
        let direct = LLVMAppendBasicBlockInContext(context, function, "inwindow")
        let probe = LLVMAppendBasicBlockInContext(context, function, "outsidewindow")
        let slow = LLVMAppendBasicBlockInContext(context, function, "slowstore")!
        let join = LLVMAppendBasicBlockInContext(context, function, "access")
        LLVMBuildCondBr(builder, inside, direct, probe)
        setColdWeights(LLVMGetLastInstruction(LLVMGetInsertBlock(builder)))

        LLVMPositionBuilderAtEnd(builder, direct)
        store(ramPointer(ram, address, type))
        LLVMBuildBr(builder, join)

        LLVMPositionBuilderAtEnd(builder, probe)
        store(branchOnTLB(address, size: size, tagWord: 1, type: type, miss: slow))
        LLVMBuildBr(builder, join)
        return (slow, join)
    }

    /// The host address of an in-RAM guest-physical address: one add of a constant, which
    /// LLVM folds into the access's addressing.
    private func ramPointer(_ ram: DirectRAM, _ address: LLVMValueRef, _ type: LLVMTypeRef) -> LLVMValueRef {
        let host = LLVMBuildAdd(builder, address, const(UInt64(ram.host) &- ram.base), "")
        return LLVMBuildIntToPtr(builder, host, LLVMPointerType(type, 0), "host")!
    }
}
