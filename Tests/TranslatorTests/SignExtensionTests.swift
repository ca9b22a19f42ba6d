import CLLVM
import Testing
@testable import Translator

/// `LLVMCompiler.restoreSignExtensions` turns instcombine's `ashr (shl x, 32), 32` back into
/// `sext (trunc x)`, which FastISel selects as one instruction.
@Suite struct SignExtensionTests {
    /// The opcodes of `f(x) = ashr (shl x, shift), 32` after the rewrite.
    private static func rewritten(shift: UInt64) -> [LLVMOpcode] {
        let context = LLVMContextCreate()!
        defer { LLVMContextDispose(context) }
        let module = LLVMModuleCreateWithNameInContext("m", context)!
        defer { LLVMDisposeModule(module) }
        let i64 = LLVMInt64TypeInContext(context)
        var parameters: [LLVMTypeRef?] = [i64]
        let function = LLVMAddFunction(module, "f", LLVMFunctionType(i64, &parameters, 1, 0))
        let builder = LLVMCreateBuilderInContext(context)
        defer { LLVMDisposeBuilder(builder) }
        LLVMPositionBuilderAtEnd(builder, LLVMAppendBasicBlockInContext(context, function, "entry"))
        let shifted = LLVMBuildShl(builder, LLVMGetParam(function, 0), LLVMConstInt(i64, shift, 0), "")
        LLVMBuildRet(builder, LLVMBuildAShr(builder, shifted, LLVMConstInt(i64, 32, 0), ""))
        LLVMCompiler.restoreSignExtensions(in: module)
        var opcodes: [LLVMOpcode] = []
        var instruction = LLVMGetFirstInstruction(LLVMGetFirstBasicBlock(function))
        while let current = instruction {
            opcodes.append(LLVMGetInstructionOpcode(current))
            instruction = LLVMGetNextInstruction(current)
        }
        return opcodes
    }

    @Test func aShiftPairFromBit31BecomesTruncateAndSignExtend() {
        #expect(Self.rewritten(shift: 32) == [LLVMTrunc, LLVMSExt, LLVMRet])
    }

    @Test func otherShiftPairsStay() {
        #expect(Self.rewritten(shift: 16) == [LLVMShl, LLVMAShr, LLVMRet])
    }
}
