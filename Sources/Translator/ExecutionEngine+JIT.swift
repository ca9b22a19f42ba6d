/// The exec loop's side of the LLVM tier: a hot block tiers up, and an `enterCompiled` op runs
/// its region with the frame filled in, mapping the region's exit code back to a `BlockExit`.
extension ExecutionEngine {
    /// What the LLVM tier did so far (nil with `--jit interp`); read it while `run()` is not
    /// executing.
    public var jitStatistics: JITStatistics? {
        guard var statistics = jit?.statistics else { return nil }
        statistics.retiredInstructions = cpu.retired
        statistics.quickInstructions = jit?.quickInstructions ?? 0
        return statistics
    }

    /// The first region that failed to compile, if any (such regions stay interpreted).
    public var jitError: JITError? { jit?.firstError }

    func tierUp(op: Int, blockPC: UInt64) -> BlockExit {
        guard let jit else { preconditionFailure("a profile op without the LLVM tier") }
        // A synchronous compile (`--jit llvm`) takes milliseconds: go back through the loop
        // top, as at any block boundary, so interrupts raised meanwhile are taken first.
        if jit.tierUp(op: op, cache: cache, flags: cpu.modeFlags, retired: cpu.retired) { return .indirect(target: blockPC) }
        return cpu.interpret(at: op + 1, blockPC: blockPC)
    }

    /// Runs the region at the `enterCompiled` op `op`, and what follows it while that is a
    /// block the jump cache holds and no exit is requested: another region (a side exit's chain
    /// slot is linked to it on the way) or the interpreter. Only what the exec loop must see
    /// itself (faults, helpers, exit requests, code not translated yet) goes back to it: a boot
    /// leaves compiled code millions of times, and a round trip through the loop per exit cost
    /// as much as the compiled code saved.
    func runCompiled(op: Int, blockPC: UInt64) -> BlockExit {
        guard let jit else { preconditionFailure("an enterCompiled op without the LLVM tier") }
        let jumpCache = cpu.cache.jumpCache, ops = cpu.cache.ops
        var op = op, blockPC = blockPC
        while true {
            guard let function = jit.enter(op: op, blockPC: blockPC) else {
                return cpu.interpret(at: op, blockPC: blockPC)
            }
            let frame = jit.frame
            frame[JITFrame.tlb] = UInt64(UInt(bitPattern: cpu.tlb))
            frame[JITFrame.cpu] = UInt64(UInt(bitPattern: Unmanaged.passUnretained(cpu).toOpaque()))
            frame[JITFrame.retired] = 0
            frame[JITFrame.budget] = JITFrame.chainBudget
            frame[JITFrame.loopLimit] = JITFrame.loopInstructions
            if cpu.codeLimit != jit.seenCodeLimit { jit.noteCodeLimit(cpu.codeLimit) }
            let code = function(cpu.state, frame)
            cpu.retired &+= frame[JITFrame.retired]
            jit.statistics.compiledInstructions &+= frame[JITFrame.retired]
            let pc = frame[JITFrame.exitPC]
            switch code {
            case JITFrame.Exit.jump.rawValue:
                let chainSlot = frame[JITFrame.aux]
                if chainSlot != 0 {
                    jit.pendingLink = (Int(chainSlot) - 1, pc)
                    jit.statistics.exits.unlinkedJump &+= 1
                } else {
                    jit.statistics.exits.otherJump &+= 1
                }
            case JITFrame.Exit.indirect.rawValue:
                jit.statistics.exits.indirect &+= 1
            case JITFrame.Exit.memoryFault.rawValue:
                jit.statistics.exits.fault &+= 1
                return .fault(cpu.slowFault, pc: pc)
            case JITFrame.Exit.raise.rawValue:
                jit.statistics.exits.fault &+= 1
                return .fault(.raised(cause: UInt32(truncatingIfNeeded: frame[JITFrame.aux]), value: frame[JITFrame.aux2]), pc: pc)
            case JITFrame.Exit.helper.rawValue:
                jit.statistics.exits.helper &+= 1
                return .helper(op: Int(frame[JITFrame.aux]), blockPC: pc)
            default:
                preconditionFailure("compiled code returned \(code)")
            }
            // What the exec loop would do next without an exit request: look `pc` up in the
            // jump cache and run its block.
            let next = jumpCache[TranslationCache.slot(pc)]
            guard next.block >= 0, next.pc == pc, next.flags == cpu.modeFlags, cpu.exitFlags.load(ordering: .relaxed) == 0 else {
                return .indirect(target: pc)
            }
            let first = Int(next.firstOp)
            guard ops[first].code == .enterCompiled else {
                if let link = jit.pendingLink {
                    jit.pendingLink = nil
                    jit.noteInterpretedExit(through: link.id, to: first, flags: cpu.modeFlags, retired: cpu.retired)
                }
                return cpu.interpret(at: first, blockPC: pc)
            }
            op = first
            blockPC = pc
        }
    }
}
