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

    /// Both tiers generate -O1 machine code; the quick tier differs only by its lighter IR
    /// passes. Quick -O0 code (the fast register allocator spills every value live across a
    /// block) made a kernel boot slower than its cheaper compiles saved.
    @Test func bothTiersGenerateO1Code() {
        #expect(LLVMCompiler.codeGenLevel(.quick) == LLVMCodeGenLevelLess)
        #expect(LLVMCompiler.codeGenLevel(.optimized) == LLVMCodeGenLevelLess)
        #expect(LLVMCompiler.passes(.quick) != LLVMCompiler.passes(.optimized))
    }
}
