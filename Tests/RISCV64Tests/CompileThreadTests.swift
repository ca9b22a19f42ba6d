#if os(Linux)
import Foundation
import Machine
import Testing
@testable import Translator

/// The `auto` tier's compile thread yields to the vCPU: on a host without a spare core the two
/// share one, and compile time taken from the vCPU made a kernel boot slower than --jit interp.
@Suite struct CompileThreadTests {
    @Test func theCompileThreadRunsAtALowerPriorityThanTheVCPU() throws {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let before = getpriority(which, 0)
        let rig = try GuestRig("nop", jit: JITConfiguration(mode: .auto))
        let worker = try #require(rig.hart.engine.jit?.worker)
        for _ in 0..<500 where worker.appliedNiceness.load(ordering: .acquiring) == .min { usleep(2000) }
        let applied = worker.appliedNiceness.load(ordering: .acquiring)
        #expect(applied == CompileWorker.niceness || before >= CompileWorker.niceness)
        #expect(getpriority(which, 0) == before, "only the compile thread is lowered")
    }
}
#endif
