/// One guest block of a region, copied out of the translation cache for the compiler.
struct RegionBlock: Sendable {
    /// The block's guest PC.
    var pc: UInt64
    /// The cache index of the block's first op (helper exits name ops by cache index).
    var firstOp: Int
    /// The block's ops, from its first op through its block-ending op.
    var ops: [IROp]
}

/// A region to compile: blocks along a hot path, the first one its entry. Direct transfers
/// between its blocks stay inside the compiled code; every other transfer is a side exit.
///
/// `key` identifies the code independently of this run's cache (entry physical PC, mode
/// flags, a hash of the guest bytes), so a persistent code cache can be keyed by it later.
struct RegionRequest: Sendable {
    struct Key: Hashable, Sendable {
        var physicalPC: UInt64
        var flags: UInt64
        var codeHash: UInt64
    }

    /// The region's slot in the tier's table.
    var slot: Int
    var key: Key
    var blocks: [RegionBlock]
    /// The cache generation the op indices belong to.
    var generation: UInt64
    /// The cache block indices, to check they are still valid at installation.
    var blockIndices: [Int32]
    /// The chain slot (id and address) of each side-exit target in the entry's page.
    var chainSlots: [UInt64: (id: Int, address: UInt)] = [:]
    /// Where indirect jumps look for a compiled target (nil: they always return to the loop).
    var indirect: IndirectLookup?
    var tier = CompileTier.quick
    /// The word a quick region adds the instructions it retires to, so the tier sees which
    /// regions to recompile optimised (nil for optimised regions).
    var heat: UInt?
    /// The quick region an optimised request replaces once compiled.
    var replaces: Int?
    /// The RAM bank loads and stores reach without the TLB, for a region whose mode flags have
    /// `CPUContext.untranslatedDataFlag` (nil: every access probes the TLB).
    var directRAM: DirectRAM?
    /// The slot that always reads zero (`GuestFrontEnd.zeroSlot`).
    var zeroSlot: Int?

    /// The tier's count of requests formed before this one: a slot is reused while code of a
    /// batch it was compiled in may still be loaded, so the slot alone does not name a symbol.
    var serial: UInt64 = 0

    /// The symbol of the compiled function.
    var symbol: String { "xemu_region_\(slot)_\(generation)_\(serial)" }
}

/// The host addresses compiled code needs to continue an indirect jump in compiled code: the
/// translation cache's jump cache and op buffer (both allocated once per cache) and the tier's
/// table of region entry points, plus the mode flags the region runs under.
struct IndirectLookup: Sendable {
    var jumpCache: UInt
    var ops: UInt
    var entries: UInt
    var flags: UInt64
}

/// Guest RAM as compiled code of an untranslated mode reaches it: one bank's guest-physical
/// range and its host address.
struct DirectRAM: Sendable {
    var base: UInt64
    var size: UInt64
    var host: UInt
}
