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
}
