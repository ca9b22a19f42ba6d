import Machine

/// The exec loop of one virtual CPU: looks up (or translates) the block for the current PC and
/// mode, runs it in the interpreter, chains direct transfers, runs helpers, delivers faults and
/// interrupts, and returns when another thread requests an exit or the guest waits for an
/// interrupt.
///
/// Blocks are keyed by guest PC, the physical address behind it and `CPUContext.modeFlags`. A
/// direct transfer is chained only within the source block's guest page, so a later change of
/// virtual mappings cannot leave a stale link across pages.
public final class ExecutionEngine<Guest: GuestFrontEnd>: @unchecked Sendable {
    public let cpu: CPUContext
    public let guest: Guest

    /// The LLVM tier, unless the engine only interprets.
    let jit: JITTier?

    /// Creates an interpreter-only engine over zeroed guest state. `opCapacity` bounds the
    /// translated-code buffer (16 bytes per op); the cache is flushed when it fills.
    public init(guest: Guest, memory: GuestMemory, bus: Bus, opCapacity: Int = 1 << 20) {
        self.guest = guest
        cpu = CPUContext(slotCount: Guest.stateSlotCount, memory: memory, bus: bus, opCapacity: opCapacity)
        jit = nil
    }

    /// Creates an engine whose tiers `jit` selects; fails only if LLVM cannot start.
    public init(guest: Guest, memory: GuestMemory, bus: Bus, opCapacity: Int = 1 << 20,
                jit: JITConfiguration) throws(JITError) {
        self.guest = guest
        let cpu = CPUContext(slotCount: Guest.stateSlotCount, memory: memory, bus: bus, opCapacity: opCapacity)
        self.cpu = cpu
        self.jit = jit.mode == .interpreter ? nil : try JITTier(configuration: jit, cpu: cpu, zeroSlot: Guest.zeroSlot)
    }

    /// The guest PC (valid while `run()` is not executing).
    public var pc: UInt64 {
        get { cpu.state[Guest.pcSlot] }
        set { cpu.state[Guest.pcSlot] = newValue }
    }

    /// Asks `run()` to return `.exitRequested` at the next block boundary; callable from any
    /// thread. A request made while `run()` is not executing makes the next `run()` return at once.
    public func requestExit() { cpu.requestExit() }

    /// Runs guest code on the calling thread until an exit is requested or the guest waits for
    /// an interrupt.
    public func run() -> RunExit {
        var pc = self.pc
        var chainSite = -1
        var chainGeneration: UInt64 = 0
        while true {
            if cpu.exitFlags.load(ordering: .acquiring) != 0 {
                let flags = cpu.exitFlags.exchange(0, ordering: .acquiringAndReleasing)
                if flags & CPUContext.invalidateBit != 0 { cpu.applyPendingInvalidations() }
                if flags & CPUContext.compiledBit != 0 { jit?.installFinished(cache: cache) }
                if flags & CPUContext.checkBit != 0, let handler = guest.takeInterrupt(pc: pc, cpu: cpu) {
                    pc = handler
                    chainSite = -1
                }
                if flags & CPUContext.stopBit != 0 {
                    self.pc = pc
                    return .exitRequested
                }
            }
            let block: Int32
            switch findOrTranslate(pc) {
            case .success(let found): block = found
            case .failure(let fault):
                pc = guest.takeFault(fault, pc: pc, cpu: cpu)
                chainSite = -1
                continue
            }
            let firstOp = Int(cache.blocks[Int(block)].firstOp)
            if chainSite >= 0, chainGeneration == cache.generation {
                cache.ops[chainSite] = cache.ops[chainSite].linked(to: firstOp)
            }
            chainSite = -1
            var exit = cpu.interpret(at: firstOp, blockPC: pc)
            while true {
                switch exit {
                case let .jump(target, site, from):
                    pc = target
                    if site >= 0, target >> TLBGeometry.pageShift == from >> TLBGeometry.pageShift {
                        chainSite = site
                        chainGeneration = cache.generation
                    }
                case let .indirect(target):
                    pc = target
                case let .fault(fault, at):
                    pc = guest.takeFault(fault, pc: at, cpu: cpu)
                case let .invalidated(at):
                    pc = at
                case let .hot(index, blockPC):
                    exit = tierUp(op: index, blockPC: blockPC)
                    continue
                case let .compiled(index, blockPC):
                    exit = runCompiled(op: index, blockPC: blockPC)
                    continue
                case let .memory(index, blockPC):
                    let op = cache.ops[index]
                    if let fault = cpu.performMemory(op) {
                        cpu.retired &+= UInt64(op.retired) &- 1
                        pc = guest.takeFault(fault, pc: blockPC &+ UInt64(op.pcOffset), cpu: cpu)
                    } else {
                        exit = cpu.interpret(at: index + 1, blockPC: blockPC)
                        continue
                    }
                case let .helper(index, blockPC):
                    let op = cache.ops[index]
                    let before = UInt64(op.retired) &- 1
                    cpu.retired &+= before
                    switch guest.helper(op, pc: blockPC &+ UInt64(op.pcOffset), cpu: cpu) {
                    case .next:
                        cpu.retired &-= before
                        exit = cpu.interpret(at: index + 1, blockPC: blockPC)
                        continue
                    case .jump(let target):
                        cpu.retired &+= 1
                        pc = target
                    case .fault(let fault):
                        pc = guest.takeFault(fault, pc: blockPC &+ UInt64(op.pcOffset), cpu: cpu)
                    case .waitForInterrupt(let resume):
                        cpu.retired &+= 1
                        self.pc = resume
                        return .waitingForInterrupt
                    }
                }
                break
            }
        }
    }

    var cache: TranslationCache { cpu.cache }

    /// The block for `pc` in the current mode, translated now if needed; the fetch fault if `pc`
    /// cannot be fetched.
    private func findOrTranslate(_ pc: UInt64) -> Result<Int32, GuestFault> {
        let flags = cpu.modeFlags
        if let block = cache.lookupRecent(pc: pc, flags: flags) { return .success(block) }
        let physical: UInt64
        switch cpu.translateFetch(pc) {
        case .success(let p): physical = p
        case .failure(let fault): return .failure(fault)
        }
        if let block = cache.lookup(pc: pc, physicalPC: physical, flags: flags) { return .success(block) }
        guard cpu.memory.hostPointer(physical, length: 2) != nil else { return .failure(.fetchAccess(address: pc)) }
        var builder = BlockBuilder(startPC: pc, physicalPC: physical, flags: flags, cpu: cpu)
        guest.translate(&builder)
        precondition(builder.isEnded && builder.opCount > 0, "the front end left a block without an end")
        var newPages = BlockPages()
        for entry in builder.pages where !cache.holdsCode(page: entry.page) { newPages.note(page: entry.page, chunks: entry.mask) }
        let prefix = jit.map { IROp(.profile, imm: $0.profileCount) }
        var inserted = cache.insert(builder, prefix: prefix)
        if inserted == nil {
            cache.flush()
            inserted = cache.insert(builder, prefix: prefix)
        }
        guard let block = inserted else { preconditionFailure("one block does not fit the translation cache") }
        for entry in newPages { cpu.protectCodePage(entry.page) }
        return .success(block)
    }
}
