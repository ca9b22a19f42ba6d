import CLLVM

/// Instcombine rewrites a sign extension from bit 31 (`sext (trunc x to i32) to i64`, which
/// ends every RV64 W instruction) as `ashr (shl x, 32), 32`. SelectionDAG would fold that back
/// into one `movslq`, but the optimised tier selects with FastISel, which emits the two shifts.
/// Putting the cast pair back after the IR passes gives FastISel the one instruction.
extension LLVMCompiler {
    static func restoreSignExtensions(in module: LLVMModuleRef) {
        let context = LLVMGetModuleContext(module)
        let builder = LLVMCreateBuilderInContext(context)
        defer { LLVMDisposeBuilder(builder) }
        let i32 = LLVMInt32TypeInContext(context), i64 = LLVMInt64TypeInContext(context)!
        var function = LLVMGetFirstFunction(module)
        while let f = function {
            var block = LLVMGetFirstBasicBlock(f)
            while let b = block {
                var next = LLVMGetFirstInstruction(b)
                while let instruction = next {
                    next = LLVMGetNextInstruction(instruction)
                    guard let source = signExtendedFromBit31(instruction, i64: i64) else { continue }
                    LLVMPositionBuilderBefore(builder, instruction)
                    let extended = LLVMBuildSExt(builder, LLVMBuildTrunc(builder, source.value, i32, ""), i64, "")
                    LLVMReplaceAllUsesWith(instruction, extended)
                    LLVMInstructionEraseFromParent(instruction)
                    if LLVMGetFirstUse(source.shift) == nil { LLVMInstructionEraseFromParent(source.shift) }
                }
                block = LLVMGetNextBasicBlock(b)
            }
            function = LLVMGetNextFunction(f)
        }
    }

    /// For `ashr (shl x, 32), 32` on i64: x and the shl.
    private static func signExtendedFromBit31(_ instruction: LLVMValueRef, i64: LLVMTypeRef)
        -> (value: LLVMValueRef, shift: LLVMValueRef)? {
        guard LLVMGetInstructionOpcode(instruction) == LLVMAShr, LLVMTypeOf(instruction) == i64,
              isConstant32(LLVMGetOperand(instruction, 1)),
              let shift = LLVMGetOperand(instruction, 0), LLVMIsAInstruction(shift) != nil,
              LLVMGetInstructionOpcode(shift) == LLVMShl, isConstant32(LLVMGetOperand(shift, 1)),
              let value = LLVMGetOperand(shift, 0) else { return nil }
        return (value, shift)
    }

    private static func isConstant32(_ value: LLVMValueRef?) -> Bool {
        guard let value, LLVMIsAConstantInt(value) != nil else { return false }
        return LLVMConstIntGetZExtValue(value) == 32
    }
}
