import Machine
import Synchronization

/// The target-independent part of one virtual CPU: the flat guest state, the SoftMMU TLB, the
/// translation cache, the retired-instruction count, the LR/SC reservation and the atomic exit
/// request.
///
/// The guest state is `slotCount` 64-bit slots at fixed offsets (ARCHITECTURE.md, decision 2):
/// IR operands index it directly and a front end decides what each slot holds. Helpers receive
/// this object to read and write that state.
public final class CPUContext: @unchecked Sendable {
    /// The flat guest state, `slotCount` slots, zeroed at creation.
    public let state: UnsafeMutablePointer<UInt64>
    public let slotCount: Int
    /// Guest RAM: the inline fast path and DMA both reach it.
    public let memory: GuestMemory
    /// Guest-physical addresses outside RAM go to the device regions on this bus.
    public let bus: Bus
    /// Guest instructions retired so far (exact whenever a helper or the front end runs).
    public var retired: UInt64 = 0
    /// The front end's mode flags (privilege level, enabled extensions...): part of every block's
    /// key, so code translated under one mode never runs under another. The front end updates it
    /// whenever the mode changes. Bit 63 (`untranslatedDataFlag`) is the context's own: it reads
    /// as set while data accesses are untranslated, whatever the front end stores there.
    public var modeFlags: UInt64 {
        get { keyFlags }
        set { keyFlags = newValue & ~Self.untranslatedDataFlag | (dataTranslated ? 0 : Self.untranslatedDataFlag) }
    }
    /// `modeFlags` as blocks are keyed by.
    private(set) var keyFlags = CPUContext.untranslatedDataFlag
    /// The `modeFlags` bit of modes whose data accesses use guest-physical addresses as they are
    /// (no page walk, no MPRV): compiled code keyed by it reaches RAM without the TLB
    /// (`RegionLowering+DirectRAM`), and it can never run once translation is on, since the key
    /// then differs.
    public static let untranslatedDataFlag: UInt64 = 1 << 63

    /// The data TLB of the current MMU context (one of `tlbStorage`'s). The interpreter reads it
    /// once per entry; it changes only through `selectMMU`, called from helpers and traps, after
    /// which the interpreter is re-entered.
    var tlb: UnsafeMutablePointer<TLBEntry>
    /// `TLBGeometry.mmuContextCount` data TLBs back to back.
    let tlbStorage: UnsafeMutablePointer<TLBEntry>
    /// One fetch TLB per MMU context.
    let fetchTLBStorage: UnsafeMutablePointer<FetchTLBEntry>
    /// The MMU contexts for data accesses and for instruction fetch, and whether each translates.
    public internal(set) var dataContext = 0
    public internal(set) var fetchContext = 0
    var dataTranslated = false
    var fetchTranslated = false
    /// Bit k: context k's data or fetch TLB may hold a mapping (set on every fill, cleared when
    /// the context is flushed). A full flush skips the contexts with nothing to forget: during
    /// a boot most SFENCE.VMAs find the U-mode and SUM contexts empty.
    /// (Kept beside the two flags above, in their padding, so no other field moves.)
    var mappedContexts: UInt8 = 0
    /// The front end's page walk, used while a context translates.
    public var addressTranslator: (any AddressTranslator)?
    /// The fault of the last failed slow-path access.
    var slowFault = GuestFault.loadAccess(address: 0)
    let cache: TranslationCache
    /// Bit `stopBit`: leave `run()`; bit `checkBit`: re-examine pending interrupts;
    /// bit `invalidateBit`: apply `pendingInvalidations`.
    let exitFlags = Atomic<UInt32>(0)
    static let stopBit: UInt32 = 1
    static let checkBit: UInt32 = 2
    static let invalidateBit: UInt32 = 4
    /// Bit `compiledBit`: the LLVM tier's compile thread has finished regions to install.
    static let compiledBit: UInt32 = 8
    /// Guest-physical ranges written behind the CPU's back (DMA), queued by other threads.
    let pendingInvalidations = Mutex<[(address: UInt64, length: UInt64)]>([])

    /// The end of the highest guest-physical page that has held translated code (0: none yet).
    /// Compiled stores of untranslated modes at or above it skip the TLB, which would only
    /// look for code pages there. It never goes down: a lower bound would have to be exact,
    /// and a store below it just takes the TLB path.
    var codeLimit: UInt64 = 0

    /// The LR/SC reservation: address, access size (0 when none) and the value LR observed.
    var reservationAddress: UInt64 = 0
    var reservationSize: UInt64 = 0
    var reservationValue: UInt64 = 0

    init(slotCount: Int, memory: GuestMemory, bus: Bus, opCapacity: Int) {
        precondition(slotCount > 0 && slotCount <= 256, "IR slots are named by one byte")
        self.slotCount = slotCount
        self.memory = memory
        self.bus = bus
        state = .allocate(capacity: slotCount)
        state.initialize(repeating: 0, count: slotCount)
        let tlbCount = TLBGeometry.entryCount * TLBGeometry.mmuContextCount
        tlbStorage = .allocate(capacity: tlbCount)
        tlbStorage.initialize(repeating: .empty, count: tlbCount)
        tlb = tlbStorage
        let fetchCount = FetchTLBEntry.entryCount * TLBGeometry.mmuContextCount
        fetchTLBStorage = .allocate(capacity: fetchCount)
        fetchTLBStorage.initialize(repeating: .empty, count: fetchCount)
        cache = TranslationCache(opCapacity: opCapacity, codePageMap: memory.codePages)
        // Device DMA into a page holding translated code drops those translations.
        memory.codePages.addObserver { [weak self] address, length in self?.invalidateCode(at: address, length: length) }
    }

    deinit {
        state.deallocate()
        tlbStorage.deallocate()
        fetchTLBStorage.deallocate()
    }

    /// Asks the running `run()` to return at the next block boundary. Callable from any thread.
    public func requestExit() { exitFlags.bitwiseOr(Self.stopBit, ordering: .releasing) }

    /// Asks the exec loop to look at pending interrupts at the next block boundary (after an
    /// interrupt line changed or the guest enabled interrupts). Callable from any thread.
    public func requestInterruptCheck() { exitFlags.bitwiseOr(Self.checkBit, ordering: .releasing) }

    /// Drops translations of guest code in `[address, address + length)` before this CPU runs
    /// its next block; callable from any thread. Stores by this CPU invalidate code by
    /// themselves; this is for writes it cannot see, such as device DMA into guest RAM.
    public func invalidateCode(at address: UInt64, length: UInt64) {
        guard length > 0 else { return }
        pendingInvalidations.withLock { $0.append((address, length)) }
        exitFlags.bitwiseOr(Self.invalidateBit, ordering: .releasing)
    }

    /// Applies the queued `invalidateCode` ranges (on the CPU's own thread).
    func applyPendingInvalidations() {
        let ranges = pendingInvalidations.withLock { queued in
            let taken = queued
            queued.removeAll()
            return taken
        }
        for range in ranges { cache.invalidate(address: range.address, length: range.length) }
    }

    /// Drops the LR/SC reservation (on traps and returns from traps).
    public func clearReservation() { reservationSize = 0 }

    /// Withholds store fast paths to `page`, which now holds translated code.
    func protectCodePage(_ page: UInt64) {
        memory.codePages.mark(page: page)
        codeLimit = max(codeLimit, (page &+ 1) << TLBGeometry.pageShift)
        for i in 0..<TLBGeometry.entryCount * TLBGeometry.mmuContextCount where tlbStorage[i].physicalPage == page {
            tlbStorage[i].writeTag = TLBEntry.invalidTag
        }
    }
}
