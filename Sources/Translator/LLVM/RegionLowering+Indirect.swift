import CLLVM

/// Indirect jumps that stay in compiled code: the target is looked up in the translation
/// cache's jump cache as the interpreter does (same slot function, PC and mode must match);
/// when the block found starts with an `enterCompiled` op, the exit continues at that
/// region's entry point through the exit block's chain path. Layout facts the lookup relies on
/// are checked once when the tier starts (`IndirectLookup.layoutHolds`).
extension RegionLowering {
    /// The address of the region-entry word for `target`, or 0 when the target is not a compiled
    /// region's entry (computed inline; no calls).
    func lookupEntry(_ target: LLVMValueRef, _ lookup: IndirectLookup) -> LLVMValueRef {
        let b = builder
        let index = LLVMBuildAnd(b, LLVMBuildXor(b, LLVMBuildLShr(b, target, const(1), ""), LLVMBuildLShr(b, target, const(13), ""), ""),
                                 const(UInt64(TranslationCache.jumpCacheSize - 1)), "")
        let entryAddress = LLVMBuildAdd(b, const(UInt64(lookup.jumpCache)),
                                        LLVMBuildMul(b, index, const(UInt64(MemoryLayout<TranslationCache.JumpCacheEntry>.stride)), ""), "")
        let entry = LLVMBuildIntToPtr(b, entryAddress, i64Pointer, "jc")!
        let pc = LLVMBuildLoad2(b, i64, entry, "")
        let flags = LLVMBuildLoad2(b, i64, Self.gep(b, i64, entry, 1, in: context), "")
        let blockAndOp = LLVMBuildLoad2(b, i64, Self.gep(b, i64, entry, 2, in: context), "")
        let block = LLVMBuildTrunc(b, blockAndOp, i32, "")
        let firstOp = LLVMBuildLShr(b, blockAndOp, const(32), "")
        let hit = LLVMBuildAnd(b, LLVMBuildAnd(b, LLVMBuildICmp(b, LLVMIntEQ, pc, target, ""),
                                               LLVMBuildICmp(b, LLVMIntEQ, flags, const(lookup.flags), ""), ""),
                               LLVMBuildICmp(b, LLVMIntSGE, block, LLVMConstInt(i32, 0, 0), ""), "")
        // A miss reads op 0 harmlessly (the buffer always has it) and yields 0 below.
        let opIndex = LLVMBuildSelect(b, hit, LLVMBuildAnd(b, firstOp, const(0x7FFF_FFFF), ""), const(0), "")
        let opAddress = LLVMBuildAdd(b, const(UInt64(lookup.ops)),
                                     LLVMBuildMul(b, opIndex, const(UInt64(MemoryLayout<IROp>.stride)), ""), "")
        let opPointer = LLVMBuildIntToPtr(b, opAddress, i64Pointer, "op")!
        let opWord = LLVMBuildLoad2(b, i64, opPointer, "")
        let isCompiled = LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildAnd(b, opWord, const(0xFF), ""),
                                       const(UInt64(IROpcode.enterCompiled.rawValue)), "")
        let region = LLVMBuildLoad2(b, i64, Self.gep(b, i64, opPointer, 1, in: context), "")
        let slotAddress = LLVMBuildAdd(b, const(UInt64(lookup.entries)), LLVMBuildShl(b, region, const(3), ""), "")
        return LLVMBuildSelect(b, LLVMBuildAnd(b, hit, isCompiled, ""), slotAddress, const(0), "entryword")!
    }
}

extension IndirectLookup {
    /// Whether the Swift layouts match what `lookupEntry` reads: jump cache entries of
    /// {pc, flags, block: Int32, firstOp: Int32} and ops with the opcode in byte 0 and imm at 8.
    static var layoutHolds: Bool {
        MemoryLayout<TranslationCache.JumpCacheEntry>.stride == 24
            && MemoryLayout<TranslationCache.JumpCacheEntry>.offset(of: \.flags) == 8
            && MemoryLayout<TranslationCache.JumpCacheEntry>.offset(of: \.block) == 16
            && MemoryLayout<TranslationCache.JumpCacheEntry>.offset(of: \.firstOp) == 20
            && MemoryLayout<IROp>.stride == 16 && MemoryLayout<IROp>.offset(of: \.code) == 0
            && MemoryLayout<IROp>.offset(of: \.imm) == 8
    }
}
