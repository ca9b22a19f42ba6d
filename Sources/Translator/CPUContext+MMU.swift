/// MMU contexts: the front end names which context data accesses and instruction fetches use
/// (for RISC-V: physical, S-mode, S-mode with SUM, U-mode) and whether it translates. Each
/// context has its own TLBs, so switching privilege costs no flush; a front end flushes a
/// context when the mappings or permissions behind it change (SFENCE.VMA, satp, MXR).
extension CPUContext {
    /// Makes data accesses use context `data` and fetches use context `fetch`
    /// (0 ..< `TLBGeometry.mmuContextCount`); a translating context consults `addressTranslator`
    /// on a miss. Call it from a helper or trap handler, never from inside translated code.
    public func selectMMU(data: Int, dataTranslated: Bool, fetch: Int, fetchTranslated: Bool) {
        precondition((0..<TLBGeometry.mmuContextCount).contains(data) && (0..<TLBGeometry.mmuContextCount).contains(fetch),
                     "MMU context out of range")
        dataContext = data
        fetchContext = fetch
        self.dataTranslated = dataTranslated
        self.fetchTranslated = fetchTranslated
        modeFlags = keyFlags
        tlb = tlbStorage + data * TLBGeometry.entryCount
    }

    /// Forgets every mapping of the contexts in `contexts`, and every block lookup shortcut
    /// (jump cache), since a virtual PC may now name other code.
    public func flushTLB(contexts: Range<Int>) {
        for context in contexts where mappedContexts & 1 << context != 0 {
            mappedContexts &= ~(1 << context)
            (tlbStorage + context * TLBGeometry.entryCount).update(repeating: .empty, count: TLBGeometry.entryCount)
            (fetchTLBStorage + context * FetchTLBEntry.entryCount).update(repeating: .empty, count: FetchTLBEntry.entryCount)
        }
        cache.clearJumpCache()
    }

    /// Forgets the mappings of the virtual page holding `address` in `contexts`.
    public func flushTLB(page address: UInt64, contexts: Range<Int>) {
        let page = address >> TLBGeometry.pageShift
        let index = TLBGeometry.index(address)
        let fetchIndex = Int(truncatingIfNeeded: page) & (FetchTLBEntry.entryCount - 1)
        for context in contexts {
            let tlb = tlbStorage + context * TLBGeometry.entryCount
            if tlb[index].readTag >> TLBGeometry.pageShift == page || tlb[index].writeTag >> TLBGeometry.pageShift == page {
                tlb[index] = .empty
            }
            let fetch = fetchTLBStorage + context * FetchTLBEntry.entryCount
            if fetch[fetchIndex].virtualPage == page { fetch[fetchIndex] = .empty }
        }
        cache.clearJumpCache(page: page)
    }

    /// The physical address of an instruction fetch at `pc` in the fetch context.
    func translateFetch(_ pc: UInt64) -> Result<UInt64, GuestFault> {
        guard fetchTranslated else { return .success(pc) }
        let page = pc >> TLBGeometry.pageShift
        let entry = fetchTLBStorage + fetchContext * FetchTLBEntry.entryCount + (Int(truncatingIfNeeded: page) & (FetchTLBEntry.entryCount - 1))
        // Probed before the page walker is looked at: a hit (the common case after a jump cache
        // miss) then copies no existential.
        if entry.pointee.virtualPage == page {
            return .success(entry.pointee.physicalPage << TLBGeometry.pageShift | (pc & TLBGeometry.pageOffsetMask))
        }
        guard let translator = addressTranslator else { return .success(pc) }
        let result = translator.translate(pc, access: .fetch, cpu: self)
        if case .success(let physical) = result {
            mappedContexts |= 1 << fetchContext
            entry.pointee = FetchTLBEntry(virtualPage: page, physicalPage: physical >> TLBGeometry.pageShift)
        }
        return result
    }

    /// The physical address of a data access in the data context; on failure the fault is
    /// left in `slowFault`.
    func translateData(_ address: UInt64, access: MemoryAccess) -> UInt64? {
        guard dataTranslated, let translator = addressTranslator else { return address }
        switch translator.translate(address, access: access, cpu: self) {
        case .success(let physical): return physical
        case .failure(let fault):
            slowFault = fault
            return nil
        }
    }
}
