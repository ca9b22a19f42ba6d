import Machine

/// The LLVM tier of one engine: forms regions from hot blocks, compiles them (synchronously for
/// `--jit llvm`, on `CompileWorker` for `auto`), installs them by writing an `enterCompiled`
/// op over the entry block's `profile` op, replaces quick regions that stay hot by optimised
/// ones, and drops regions when their guest code is written, when the cache is flushed, or to
/// keep at most `maxRegions` (oldest first).
///
/// Everything here runs on the vCPU thread except the compile itself.
final class JITTier {
    struct Region {
        var code: CompiledCode
        var blocks: [Int32]
        var entryOp: Int
        var key: RegionRequest.Key
        /// Chain slots of this region's side exits, and the slots linked to this region.
        var outgoing: [Int]
        var incoming: [Int] = []
        var tier: CompileTier
        /// Whether an optimised recompile of this quick region is queued.
        var promoting = false
    }

    let configuration: JITConfiguration
    let compiler: LLVMCompiler
    /// The engine's translation cache (the same object for the engine's life).
    private let cache: TranslationCache
    /// The frame handed to compiled code (`JITFrame` words).
    let frame: UnsafeMutablePointer<UInt64>
    let chains = ChainTable()
    /// Region entry points by slot (0: none), read by compiled indirect jumps.
    let entries: UnsafeMutablePointer<UInt64>
    /// Guest instructions each quick region retired since it was installed (`RegionRequest.heat`).
    let heat: UnsafeMutablePointer<UInt64>
    /// Entries into compiled code left before the next look for quick regions to promote.
    private var promotionCountdown = JITTier.promotionScanInterval
    let slotCapacity: Int
    /// A side exit just taken through chain slot `id` to `target`: linked if the next block
    /// entered is a region starting at `target`.
    var pendingLink: (id: Int, target: UInt64)?
    /// Installed regions by slot; slots of pending requests are reserved (nil).
    private(set) var regions: [Region?] = []
    private var freeSlots: [Int] = []
    /// Installed slots, oldest first (`installHead` is the next eviction candidate).
    private var installOrder: [Int] = []
    private var installHead = 0
    private var liveCount = 0
    private(set) var worker: CompileWorker?
    /// When each counting block started its current count (`cpu.retired`), and how many of its
    /// earlier counts ran out outside the window, for `isFrequent`.
    private var countStarts: [Int32: (start: UInt64, slowRounds: Int)] = [:]
    /// Blocks of the current cache generation that queued (not yet finished) first-tier
    /// requests lower past their entry, with how many requests hold each (`isQueuedMember`).
    private var queuedMembers: [Int32: Int] = [:]
    /// Side exits into the interpreter per chain slot, and when each slot's current count
    /// started (`noteInterpretedExit`).
    private let exitCounts: UnsafeMutablePointer<UInt32>
    private var exitCountStarts: [Int: UInt64] = [:]
    private var seenGeneration: UInt64
    private var seenInvalidations: UInt64
    var statistics = JITStatistics()
    /// Regions formed so far (`RegionRequest.serial`).
    var formedRegions: UInt64 = 0
    /// The main RAM bank, for regions of modes without data address translation.
    let ram: DirectRAM
    /// The guest's always-zero slot (`GuestFrontEnd.zeroSlot`).
    let zeroSlot: Int?
    /// The `CPUContext.codeLimit` the frame's store window was last set for.
    var seenCodeLimit: UInt64 = .max
    /// The first compile error, for `--jit-stats` and tests.
    private(set) var firstError: JITError?
    /// The `profile` count of a block whose region is being compiled: the interpreter keeps
    /// counting it down, but it stays above `pendingCount / 2` for any practical run.
    static let pendingCount = Int64.max
    /// A request dropped from a full compile queue asks again after this many thresholds, so a
    /// phase with more hot blocks than the compiler keeps up with does not re-form them all.
    static let dropBackOff: Int64 = 8
    /// Entries into compiled code between two scans for hot quick regions (a region entered only
    /// through chains from other regions is seen by the scan, not at its own entry).
    static let promotionScanInterval = 256
    /// Side exits into the interpreter, through one chain slot, within `hotWindow` times
    /// `hotExitWindowFactor` instructions that make the target hot (`noteInterpretedExit`).
    static let hotExitCount: UInt32 = 256
    static let hotExitWindowFactor: UInt64 = 10
    /// A long block is hot when it runs a quarter of the instructions (`window(forBlockAt:)`).
    static let longBlockShare: UInt64 = 4

    init(configuration: JITConfiguration, cpu: CPUContext, zeroSlot: Int?) throws(JITError) {
        self.configuration = configuration
        self.zeroSlot = zeroSlot
        compiler = try LLVMCompiler(verifiesModules: configuration.mode == .llvm)
        frame = .allocate(capacity: JITFrame.wordCount)
        frame.initialize(repeating: 0, count: JITFrame.wordCount)
        slotCapacity = configuration.maxRegions + CompileWorker.queueLimit + 1
        entries = .allocate(capacity: slotCapacity)
        entries.initialize(repeating: 0, count: slotCapacity)
        heat = .allocate(capacity: slotCapacity)
        heat.initialize(repeating: 0, count: slotCapacity)
        exitCounts = .allocate(capacity: ChainTable.capacity)
        exitCounts.initialize(repeating: 0, count: ChainTable.capacity)
        cache = cpu.cache
        let bank = cpu.memory.banks[0]
        precondition(bank.size >= 8, "a RAM bank smaller than one access")
        ram = DirectRAM(base: bank.base, size: bank.size, host: UInt(bitPattern: bank.host))
        seenGeneration = cpu.cache.generation
        seenInvalidations = cpu.cache.invalidationCount
        if configuration.mode == .auto {
            worker = CompileWorker(compiler: compiler) { [weak cpu] in
                cpu?.exitFlags.bitwiseOr(CPUContext.compiledBit, ordering: .releasing)
            }
        }
    }

    deinit {
        worker?.stop()
        for region in regions { if let region { compiler.remove(region.code) } }
        frame.deallocate()
        entries.deallocate()
        heat.deallocate()
        exitCounts.deallocate()
    }

    /// The op a new block starts with.
    var profileCount: Int64 { configuration.mode == .llvm ? 1 : Int64(configuration.threshold) }

    /// The tier a new region compiles at: `auto` starts quick; `llvm` (differential testing of
    /// the code hot regions end up running) compiles optimised at once.
    var firstTier: CompileTier { configuration.mode == .llvm ? configuration.llvmTier : .quick }

    // MARK: Keeping regions consistent with the cache

    /// Drops regions whose blocks were invalidated or flushed since the last look.
    @inline(never)
    func synchronize(with cache: TranslationCache) {
        if cache.generation != seenGeneration {
            seenGeneration = cache.generation
            countStarts.removeAll()
            queuedMembers.removeAll()
            seenInvalidations = cache.invalidationCount
            for slot in regions.indices where regions[slot] != nil {
                drop(slot, cache: cache, rewriteEntry: false)
                statistics.invalidatedRegions += 1
            }
            return
        }
        guard cache.invalidationCount != seenInvalidations else { return }
        seenInvalidations = cache.invalidationCount
        for slot in regions.indices {
            guard let region = regions[slot], region.blocks.contains(where: { !cache.blocks[Int($0)].isValid }) else { continue }
            drop(slot, cache: cache, rewriteEntry: true)
            statistics.invalidatedRegions += 1
        }
    }

    private func drop(_ slot: Int, cache: TranslationCache, rewriteEntry: Bool) {
        guard let region = regions[slot] else { return }
        takeHeat(slot)
        regions[slot] = nil
        entries[slot] = 0
        chains.unlink(region.incoming, target: slot)
        chains.release(region.outgoing, owner: slot)
        freeSlots.append(slot)
        liveCount -= 1
        if rewriteEntry, cache.ops[region.entryOp].code == .enterCompiled, cache.ops[region.entryOp].imm == Int64(slot) {
            cache.ops[region.entryOp].code = .profile
            cache.ops[region.entryOp].imm = profileCount
        }
        compiler.remove(region.code)
    }

    // MARK: Tier-up

    /// The block whose `profile` op is at `op` is hot: compile a region from it (now for
    /// `llvm`, in the background for `auto`). Returns whether compiled code is installed there.
    func tierUp(op: Int, cache: TranslationCache, flags: UInt64, retired: UInt64) -> Bool {
        synchronize(with: cache)
        guard cache.ops[op].code == .profile else { return false }
        let block = cache.ops[op].stampedBlock
        guard isFrequent(block: block, at: op, retired: retired), !isQueuedMember(block) else {
            cache.ops[op].imm = profileCount
            return false
        }
        return requestRegion(at: op, cache: cache, flags: flags)
    }

    /// Forms and compiles (or queues) a region entered at the block whose `profile` op is at
    /// `op`; returns whether compiled code is installed there now.
    private func requestRegion(at op: Int, cache: TranslationCache, flags: UInt64) -> Bool {
        guard let slot = freeSlots.popLast() ?? (regions.count < slotCapacity ? appendSlot() : nil) else {
            cache.ops[op].imm = profileCount
            return false
        }
        var request = formRegion(entryOp: op, slot: slot, cache: cache, flags: flags)
        request.tier = firstTier
        if request.tier == .quick { request.heat = UInt(bitPattern: heat + slot) }
        cache.ops[op].imm = Self.pendingCount
        statistics.requestedRegions += 1
        if let worker {
            noteQueued(request)
            worker.enqueue(request)
            return false
        }
        finish(compiler.timedCompile(request), cache: cache)
        return cache.ops[op].code == .enterCompiled
    }

    /// A side exit through chain slot `id` continued in the interpreter at the block whose
    /// first op is `op`. A region whose exit is taken often left out a block its hot path runs
    /// (a loop's other half, whose own count is not frequent enough by itself): every such
    /// exit costs a return to the exec loop and a re-entry. Once the exit is taken
    /// `hotExitCount` times within `hotExitWindow` instructions, the target gets a region of
    /// its own, which takes in the exiting region's blocks, and the exit is linked to it.
    @inline(__always)
    func noteInterpretedExit(through id: Int, to op: Int, flags: UInt64, retired: UInt64) {
        exitCounts[id] &+= 1
        if exitCounts[id] >= Self.hotExitCount { exitCountRanOut(id, to: op, flags: flags, retired: retired) }
    }

    /// Starts the exit count of a chain slot given to a new region.
    func resetExitCount(_ id: Int) {
        exitCounts[id] = 0
        exitCountStarts[id] = nil
    }

    @inline(never)
    private func exitCountRanOut(_ id: Int, to op: Int, flags: UInt64, retired: UInt64) {
        exitCounts[id] = 0
        guard let armed = exitCountStarts.updateValue(retired, forKey: id),
              retired &- armed <= configuration.hotWindow &* Self.hotExitWindowFactor else { return }
        exitCountStarts[id] = nil
        guard cache.ops[op].code == .profile, cache.ops[op].imm <= Self.pendingCount / 2 else { return }
        statistics.hotExitRequests += 1
        _ = requestRegion(at: op, cache: cache, flags: flags)
    }

    /// The instructions within which the block whose `profile` op is at `op` must run
    /// `threshold` times to be hot: `hotWindow`, or `longBlockShare` times what `threshold` runs
    /// of the block take if that is more. A block of 100 or more instructions (an unrolled hash
    /// or cipher round: keccakf_round, sha256_transform_blocks, blake2s in a kernel boot's
    /// crypto self-tests) could never run `threshold` times within `hotWindow`, however much of
    /// the run it took, and waited `steadyRounds` rounds in the interpreter; it is now hot once
    /// it runs a quarter of the instructions. A `hotWindow` of 0 (nothing is hot by rate) stays 0.
    private func window(forBlockAt op: Int) -> UInt64 {
        guard configuration.hotWindow > 0 else { return 0 }
        var length: UInt64 = 0
        var index = op + 1
        while index - op <= Self.maxBlockOps {
            let next = cache.ops[index]
            length = max(length, UInt64(next.retired))
            if Self.endsBlock(next.code) { break }
            index += 1
        }
        return max(configuration.hotWindow, UInt64(configuration.threshold) &* length &* Self.longBlockShare)
    }

    /// Whether the block whose count just ran out (its `profile` op at `op`) is hot by rate, not
    /// just by count (`auto`): it must have run `threshold` times within `window(forBlockAt:)`
    /// retired instructions. A boot runs thousands of blocks a few thousand times each, spread
    /// over billions of instructions; compiling those costs more than it saves, while a loop
    /// that matters passes at once.
    /// A block's first count only starts the clock. A block whose count ran out `steadyRounds`
    /// times more, each slower than the window, is hot too: it is not a loop, but it runs all
    /// along (`JITConfiguration.steadyRounds`).
    private func isFrequent(block: Int32, at op: Int, retired: UInt64) -> Bool {
        guard configuration.mode == .auto else { return true }
        guard let armed = countStarts[block] else {
            countStarts[block] = (retired, 0)
            return false
        }
        let slowRounds = armed.slowRounds + 1
        guard retired &- armed.start <= window(forBlockAt: op)
            || (configuration.steadyRounds > 0 && slowRounds >= configuration.steadyRounds) else {
            countStarts[block] = (retired, slowRounds)
            return false
        }
        countStarts[block] = nil
        return true
    }

    /// The code of the region installed at the `enterCompiled` op `op` (nil if it was dropped),
    /// after linking a pending side exit to it and noting its heat. One call with everything
    /// borrowed and the rare work out of line: this runs on every entry into compiled code.
    @inline(__always)
    func enter(op: Int, blockPC: UInt64) -> CompiledRegionFunction? {
        if cache.generation != seenGeneration || cache.invalidationCount != seenInvalidations { synchronize(with: cache) }
        guard cache.ops[op].code == .enterCompiled else { return nil }
        promotionCountdown -= 1
        if promotionCountdown <= 0 || heat[Int(cache.ops[op].imm)] >= configuration.optimizeThreshold {
            // First, as a synchronous promotion (`llvm`) replaces the region entered here.
            notePromotion(enteredSlot: Int(cache.ops[op].imm), cache: cache)
        }
        let entry = cache.ops[op]
        guard entry.code == .enterCompiled, case let address = entries[Int(entry.imm)], address != 0 else { return nil }
        if pendingLink != nil { linkPending(to: Int(entry.imm), at: blockPC) }
        statistics.compiledEntries &+= 1
        return unsafeBitCast(UnsafeRawPointer(bitPattern: UInt(address))!, to: CompiledRegionFunction.self)
    }

    /// Installs what the worker finished (called at a safe point of the exec loop).
    func installFinished(cache: TranslationCache) {
        guard let worker else { return }
        synchronize(with: cache)
        let (finished, dropped) = worker.takeFinished()
        for request in dropped {
            forgetQueued(request)
            release(request)
            if let quick = request.replaces { abandonPromotion(of: quick) }
            rearm(request, cache: cache, backOff: Self.dropBackOff)
            statistics.droppedRequests += 1
        }
        for item in finished { finish(item, cache: cache) }
    }

    /// Lets a request's entry block count towards a new request (its region was not installed),
    /// after `backOff` times the threshold.
    private func rearm(_ request: RegionRequest, cache: TranslationCache, backOff: Int64 = 1) {
        let entryOp = request.blocks[0].firstOp
        if request.generation == cache.generation, cache.ops[entryOp].code == .profile,
           cache.ops[entryOp].imm > Self.pendingCount / 2 {
            let (product, overflow) = profileCount.multipliedReportingOverflow(by: backOff)
            cache.ops[entryOp].imm = overflow ? profileCount : min(product, Self.pendingCount / 4)
        }
    }

    private func finish(_ finished: CompileWorker.Finished, cache: TranslationCache) {
        let request = finished.request
        forgetQueued(request)
        statistics.compileNanoseconds.append(finished.nanoseconds)
        statistics.codeGenNanoseconds &+= finished.codeGenNanoseconds
        statistics.compileCPUNanoseconds &+= finished.cpuNanoseconds
        if request.tier == .optimized {
            statistics.optimizedCompileCPUNanoseconds &+= finished.cpuNanoseconds
            statistics.optimizedCompiles += 1
        }
        let code: CompiledCode
        switch finished.result {
        case .success(let compiled): code = compiled
        case .failure(let error):
            if firstError == nil { firstError = error }
            release(request)
            if let quick = request.replaces { abandonPromotion(of: quick) }
            return
        }
        statistics.compiledRegions += 1
        statistics.loweredBlocks += request.blocks.count
        let entryOp = request.blocks[0].firstOp
        let entryWaits = if let quick = request.replaces {
            cache.ops[entryOp].code == .enterCompiled && cache.ops[entryOp].imm == Int64(quick) && regions[quick] != nil
        } else {
            cache.ops[entryOp].code == .profile && cache.ops[entryOp].imm > Self.pendingCount / 2
        }
        let stillValid = entryWaits && request.generation == cache.generation
            && request.blockIndices.allSatisfy { cache.blocks[Int($0)].isValid }
        guard stillValid else {
            compiler.remove(code)
            release(request)
            if let quick = request.replaces { abandonPromotion(of: quick) } else { rearm(request, cache: cache) }
            return
        }
        if let quick = request.replaces {
            drop(quick, cache: cache, rewriteEntry: false)
            statistics.optimizedRegions += 1
        }
        if liveCount >= configuration.maxRegions { evictOldest(cache: cache) }
        regions[request.slot] = Region(code: code, blocks: request.blockIndices, entryOp: entryOp, key: request.key,
                                       outgoing: request.chainSlots.values.map(\.id), tier: request.tier)
        heat[request.slot] = 0
        liveCount += 1
        installOrder.append(request.slot)
        cache.ops[entryOp].code = .enterCompiled
        cache.ops[entryOp].imm = Int64(request.slot)
        entries[request.slot] = UInt64(UInt(bitPattern: unsafeBitCast(code.function, to: UnsafeRawPointer.self)))
        statistics.installedRegions += 1
        restartCounts(ofMembers: request, cache: cache)
    }

    /// The blocks a newly installed region lowers past its entry start their counts again. They
    /// kept counting while the region was queued, and the exec loop may resume at one of them
    /// once more in the interpreter (when the install lands while it is next): a count run
    /// down by then asked for a region the installed one already covers. A member still
    /// entered from outside the region asks again after a whole fresh count.
    private func restartCounts(ofMembers request: RegionRequest, cache: TranslationCache) {
        for block in request.blockIndices.dropFirst() {
            let first = Int(cache.blocks[Int(block)].firstOp)
            if cache.ops[first].code == .profile, cache.ops[first].imm <= Self.pendingCount / 2 {
                cache.ops[first].imm = profileCount
            }
        }
    }

    // MARK: Requests in the compile queue

    /// Whether a block whose count ran out lies inside a region still in the compile queue
    /// (past that region's entry). In a boot's bursts, a hot loop's blocks run out their counts
    /// together, and about 44 % of the requests asked for a region around a block that an
    /// earlier queued request already lowers: the duplicates queued ahead of that region
    /// (median request-to-install 5.8 ms for a 1.6 ms compile) while the loop stayed
    /// interpreted. Such a block asks again once that region is installed, if it is still
    /// entered from outside it.
    private func isQueuedMember(_ block: Int32) -> Bool {
        queuedMembers[block] != nil
    }

    /// Records the non-entry blocks of a first-tier request handed to the worker.
    private func noteQueued(_ request: RegionRequest) {
        guard request.replaces == nil, request.generation == cache.generation else { return }
        for block in request.blockIndices.dropFirst() { queuedMembers[block, default: 0] += 1 }
    }

    /// Forgets a request that left the queue (finished or dropped).
    private func forgetQueued(_ request: RegionRequest) {
        guard request.replaces == nil, request.generation == cache.generation else { return }
        for block in request.blockIndices.dropFirst() {
            guard let count = queuedMembers[block] else { continue }
            queuedMembers[block] = count > 1 ? count - 1 : nil
        }
    }

    // MARK: Promotion to the optimised tier

    /// Called on an entry into the region at `slot` that is hot or ends the scan interval:
    /// recompiles it optimised if it is hot, and every `promotionScanInterval` entries looks at
    /// all regions.
    @inline(never)
    private func notePromotion(enteredSlot slot: Int, cache: TranslationCache) {
        if heat[slot] >= configuration.optimizeThreshold { promote(slot, cache: cache) }
        guard promotionCountdown <= 0 else { return }
        promotionCountdown = Self.promotionScanInterval
        for other in regions.indices where heat[other] >= configuration.optimizeThreshold {
            promote(other, cache: cache)
        }
    }

    /// Recompiles the quick region at `slot` optimised: in the background for `auto` (the quick
    /// code runs until the new code is installed), at once for `llvm`.
    private func promote(_ slot: Int, cache: TranslationCache) {
        takeHeat(slot)
        guard let region = regions[slot], region.tier == .quick, !region.promoting,
              let newSlot = freeSlots.popLast() ?? (regions.count < slotCapacity ? appendSlot() : nil) else { return }
        regions[slot]?.promoting = true
        var request = formRegion(entryOp: region.entryOp, slot: newSlot, cache: cache, flags: region.key.flags)
        request.tier = .optimized
        request.replaces = slot
        statistics.requestedRegions += 1
        if let worker { worker.enqueue(request) } else { finish(compiler.timedCompile(request), cache: cache) }
    }

    /// The optimised recompile of `slot` will not be installed: the quick region may ask again
    /// once it has retired another threshold's worth of instructions.
    private func abandonPromotion(of slot: Int) {
        guard regions[slot] != nil else { return }
        regions[slot]?.promoting = false
        takeHeat(slot)
    }

    /// Zeroes a slot's heat word, counting what it held as instructions run in quick code.
    private func takeHeat(_ slot: Int) {
        statistics.quickInstructions &+= heat[slot]
        heat[slot] = 0
    }

    /// Instructions quick regions retired, including what the live regions' heat words hold.
    var quickInstructions: UInt64 {
        regions.indices.reduce(statistics.quickInstructions) { $0 &+ (regions[$1] != nil ? heat[$1] : 0) }
    }

    private func appendSlot() -> Int {
        regions.append(nil)
        return regions.count - 1
    }

    /// Frees what a request that will not be installed holds.
    private func release(_ request: RegionRequest) {
        chains.release(request.chainSlots.values.map(\.id), owner: request.slot)
        freeSlots.append(request.slot)
    }

    /// Links the pending side exit to region `slot` if it was taken to `pc` from a region of
    /// the same mode.
    func linkPending(to slot: Int, at pc: UInt64) {
        guard let link = pendingLink else { return }
        pendingLink = nil
        guard link.target == pc, chains.words[link.id] == 0, let owner = chains.owner(of: link.id),
              let source = regions[owner], let region = regions[slot], source.key.flags == region.key.flags else { return }
        if chains.link(link.id, from: owner, to: slot, entry: UInt(bitPattern: unsafeBitCast(region.code.function, to: UnsafeRawPointer.self))) {
            regions[slot]?.incoming.append(link.id)
        }
    }

    private func evictOldest(cache: TranslationCache) {
        while installHead < installOrder.count {
            let slot = installOrder[installHead]
            installHead += 1
            if regions[slot] != nil {
                drop(slot, cache: cache, rewriteEntry: true)
                statistics.evictedRegions += 1
                break
            }
        }
        if installHead > 4096 {
            installOrder.removeFirst(installHead)
            installHead = 0
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }
}
