/// The exec loop's side of the LLVM tier: a hot block tiers up, and an `enterCompiled` op runs
/// its region with the frame filled in, mapping the region's exit code back to a `BlockExit`.
extension ExecutionEngine {
    /// What the LLVM tier did so far (nil with `--jit interp`); read it while `run()` is not
    /// executing.
    public var jitStatistics: JITStatistics? { jit?.statistics }

    /// The first region that failed to compile, if any (such regions stay interpreted).
    public var jitError: JITError? { jit?.firstError }

    func tierUp(op: Int, blockPC: UInt64) -> BlockExit {
        guard let jit else { preconditionFailure("a profile op without the LLVM tier") }
        // A synchronous compile (`--jit llvm`) takes milliseconds: go back through the loop
        // top, as at any block boundary, so interrupts raised meanwhile are taken first.
        if jit.tierUp(op: op, cache: cache, flags: cpu.modeFlags, retired: cpu.retired) { return .indirect(target: blockPC) }
        return cpu.interpret(at: op + 1, blockPC: blockPC)
    }

    func runCompiled(op: Int, blockPC: UInt64) -> BlockExit {
        guard let jit else { preconditionFailure("an enterCompiled op without the LLVM tier") }
        guard let function = jit.enter(op: op, blockPC: blockPC) else {
            return cpu.interpret(at: op, blockPC: blockPC)
        }
        let frame = jit.frame
        frame[JITFrame.tlb] = UInt64(UInt(bitPattern: cpu.tlb))
        frame[JITFrame.cpu] = UInt64(UInt(bitPattern: Unmanaged.passUnretained(cpu).toOpaque()))
        frame[JITFrame.retired] = 0
        frame[JITFrame.budget] = JITFrame.chainBudget
        let code = function(cpu.state, frame)
        cpu.retired &+= frame[JITFrame.retired]
        let pc = frame[JITFrame.exitPC]
        switch JITFrame.Exit(rawValue: code) {
        case .jump:
            let chainSlot = frame[JITFrame.aux]
            if chainSlot != 0 { jit.pendingLink = (Int(chainSlot) - 1, pc) }
            return .jump(target: pc, site: -1, from: blockPC)
        case .indirect: return .indirect(target: pc)
        case .memoryFault: return .fault(cpu.slowFault, pc: pc)
        case .raise:
            return .fault(.raised(cause: UInt32(truncatingIfNeeded: frame[JITFrame.aux]), value: frame[JITFrame.aux2]), pc: pc)
        case .helper: return .helper(op: Int(frame[JITFrame.aux]), blockPC: pc)
        case nil: preconditionFailure("compiled code returned \(code)")
        }
    }
}
