import CLLVM
import Machine
import Testing
@testable import Translator

/// LLVM's module verifier runs where regions are tested, not where they only need to be fast.
@Suite struct JITVerificationTests {
    @Test(arguments: [(JITConfiguration.Mode.llvm, true), (.auto, false)])
    func onlyTheSynchronousTierVerifiesModules(mode: JITConfiguration.Mode, verifies: Bool) throws {
        let rig = try GuestRig("nop", jit: JITConfiguration(mode: mode))
        let tier = try #require(rig.hart.engine.jit)
        #expect(tier.compiler.verifiesModules == verifies)
    }

    /// Regions get -O1 machine code (the quick tier differs by its lighter IR passes), except
    /// quick regions compiled while the queue is backed up, which get the cheaper -O0.
    @Test func quickRegionsGetO0CodeOnlyWhileTheQueueIsBackedUp() {
        #expect(LLVMCompiler.codeGenLevel(.quick, backlogged: false) == LLVMCodeGenLevelLess)
        #expect(LLVMCompiler.codeGenLevel(.quick, backlogged: true) == LLVMCodeGenLevelNone)
        #expect(LLVMCompiler.codeGenLevel(.optimized, backlogged: true) == LLVMCodeGenLevelLess)
        #expect(LLVMCompiler.passes(.quick) != LLVMCompiler.passes(.optimized))
    }
}
