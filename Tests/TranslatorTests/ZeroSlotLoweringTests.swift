import CLLVM
import Testing
@testable import Translator

/// A region reads the guest's zero slot (`GuestFrontEnd.zeroSlot`) as the constant 0, not as
/// a load from the state, so that LLVM folds it into its uses.
@Suite struct ZeroSlotLoweringTests {
    /// The state slots the lowered region loads, for a block computing `x1 = x0 - x2` and
    /// leaving through an exit to the loop.
    private static func loadedSlots(zeroSlot: Int?) -> [UInt64] {
        let context = LLVMContextCreate()!
        defer { LLVMContextDispose(context) }
        let module = LLVMModuleCreateWithNameInContext("m", context)!
        defer { LLVMDisposeModule(module) }
        let ops = [IROp(.sub, d: 1, a: 0, b: 2), IROp(.exitToLoop)]
        let blocks = [RegionBlock(pc: 0x8000_0000, firstOp: 0, ops: ops)]
        do {
            var lowering = RegionLowering(module: module, context: context, name: "f", blocks: blocks, chainSlots: [:],
                                          indirect: nil, zeroSlot: zeroSlot)
            lowering.lower(blocks)
        }
        let function = LLVMGetNamedFunction(module, "f")!
        let state = LLVMGetParam(function, 0)
        var slots: [UInt64] = []
        var instruction = LLVMGetFirstInstruction(LLVMGetEntryBasicBlock(function))
        while let current = instruction {
            if LLVMGetInstructionOpcode(current) == LLVMLoad, let address = LLVMGetOperand(current, 0),
               LLVMGetInstructionOpcode(address) == LLVMGetElementPtr, LLVMGetOperand(address, 0) == state {
                slots.append(LLVMConstIntGetZExtValue(LLVMGetOperand(address, 1)))
            }
            instruction = LLVMGetNextInstruction(current)
        }
        return slots.sorted()
    }

    @Test func theZeroSlotIsNotLoaded() {
        #expect(Self.loadedSlots(zeroSlot: 0) == [1, 2])
    }

    @Test func withoutAZeroSlotEverySlotReadIsLoaded() {
        #expect(Self.loadedSlots(zeroSlot: nil) == [0, 1, 2])
    }
}
