import Foundation
import Testing
@testable import RISCV64

/// Guest MIPS of the interpreter tier on simple loops. Prints the figures per second of the
/// running thread's CPU time (robust on a loaded machine) and of wall time; asserts only that the
/// guest computed the right result. Meaningful in release builds:
/// `swift test -c release --filter ThroughputBenchmark`.
@Suite(.serialized) struct ThroughputBenchmark {
    static func measure(_ name: String, _ source: String, check: (GuestRig) -> Void) throws {
        let rig = try GuestRig(source)
        let cpuStart = threadCPUSeconds()
        let start = ContinuousClock.now
        rig.run()
        let elapsed = ContinuousClock.now - start
        let cpu = threadCPUSeconds() - cpuStart
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let retired = Double(rig.hart.retiredInstructions)
        print("[xemu benchmark] \(name): \(Int(retired)) instructions, "
            + "\(String(format: "%.0f", retired / cpu / 1e6)) guest MIPS per CPU second (\(String(format: "%.3f", cpu)) s), "
            + "\(String(format: "%.0f", retired / wall / 1e6)) per wall second")
        check(rig)
    }

    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    @Test func integerLoop() throws {
        // 10 instructions per iteration: arithmetic, logic, shifts, a compare, a branch.
        try Self.measure("integer loop", """
            li a0, 0
            li a1, 20000000
            li a2, 0x9E3779B9
        1:  add a0, a0, a1
            xor a3, a0, a2
            slli a4, a3, 3
            srli a5, a3, 7
            sub a0, a0, a5
            and a6, a4, a1
            or a0, a0, a6
            sltu a7, a0, a2
            addi a1, a1, -1
            bnez a1, 1b
        """) { rig in
            #expect(rig["a1"] == 0)
        }
    }

    @Test func callReturnLoop() throws {
        // A call and a return every 6 instructions: indirect jumps through the jump cache.
        try Self.measure("call/return loop", """
            li s1, 5000000
            li a0, 0
        1:  call leaf
            addi s1, s1, -1
            bnez s1, 1b
            j exit
        leaf:
            addi a0, a0, 3
            xori a0, a0, 1
            ret
        """) { rig in
            #expect(rig["s1"] == 0)
        }
    }

    @Test func memoryLoop() throws {
        // Sums and rewrites a 4 KiB array 5000 times: loads and stores through the TLB hit path.
        try Self.measure("load/store loop", """
            li s0, 0x80010000
            li s1, 5000
            li a0, 0
        2:  mv t0, s0
            li t1, 512
        1:  ld t2, 0(t0)
            add a0, a0, t2
            addi t2, t2, 1
            sd t2, 0(t0)
            addi t0, t0, 8
            addi t1, t1, -1
            bnez t1, 1b
            addi s1, s1, -1
            bnez s1, 2b
        """) { rig in
            // Each of the 512 cells is read 5000 times with values 0...4999.
            #expect(rig["a0"] == 512 * (4999 * 5000 / 2))
        }
    }
}
