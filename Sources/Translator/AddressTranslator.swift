/// The kind of guest memory access being translated, for permission checks and for the page
/// fault it raises.
public enum MemoryAccess: Sendable {
    case fetch, load, store
}

/// A guest architecture's virtual-to-physical translation (its page-table walk), consulted by
/// the SoftMMU only on TLB misses and for block fetches, never per instruction.
///
/// It checks permissions for the current privilege and mode and updates accessed/dirty bits as
/// the architecture requires. A failure is the architecture's fault (for RISC-V a page fault
/// with the virtual address as its trap value, or an access fault).
public protocol AddressTranslator: AnyObject {
    func translate(_ address: UInt64, access: MemoryAccess, cpu: CPUContext) -> Result<UInt64, GuestFault>
}

/// One entry of the direct-mapped fetch TLB: a guest-virtual page and the physical page behind
/// it, so finding a block does not walk the page tables.
struct FetchTLBEntry {
    var virtualPage: UInt64
    var physicalPage: UInt64
    static let empty = FetchTLBEntry(virtualPage: .max, physicalPage: 0)
    static let entryCount = 256
}
