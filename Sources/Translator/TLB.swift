/// One entry of the SoftMMU's direct-mapped TLB.
///
/// `readTag` / `writeTag` hold the page-aligned guest address the entry maps for loads and for
/// stores, or `TLBEntry.invalidTag` when it maps none. A store tag is withheld for pages that hold
/// translated code, so stores to them take the slow path, which invalidates the blocks.
/// `addend` turns a guest address in the page into a host address: `host = addend &+ guest`.
/// `physicalPage` is the guest-physical page number behind the entry, so that invalidating a
/// code page finds every virtual alias of it once address translation exists.
@frozen public struct TLBEntry: Sendable {
    public var readTag: UInt64
    public var writeTag: UInt64
    public var addend: UInt
    public var physicalPage: UInt64

    /// A tag no access can match: its low bits are set, and matched addresses keep only the
    /// page bits and the alignment bits of the access.
    public static let invalidTag: UInt64 = 0xFFF
    public static let empty = TLBEntry(readTag: invalidTag, writeTag: invalidTag, addend: 0, physicalPage: .max)
}

/// Page geometry and TLB size shared by the SoftMMU and both tiers.
public enum TLBGeometry {
    public static let pageShift: UInt64 = 12
    public static let pageSize: UInt64 = 1 << pageShift
    public static let pageOffsetMask: UInt64 = pageSize - 1
    /// Entries in the direct-mapped TLB (a power of two).
    public static let entryCount = 1024
    public static let indexMask: UInt64 = UInt64(entryCount - 1)
    /// MMU contexts (each with its own TLBs) a front end can select between.
    public static let mmuContextCount = 4

    /// The TLB slot for a guest address.
    @inlinable public static func index(_ address: UInt64) -> Int {
        Int(truncatingIfNeeded: (address >> pageShift) & indexMask)
    }

    /// The value a hit must equal for an access of `size` bytes (a power of two) at `address`:
    /// the page bits plus the misalignment bits, so a misaligned access never hits.
    @inlinable public static func tag(_ address: UInt64, size: UInt64) -> UInt64 {
        address & (~pageOffsetMask | (size &- 1))
    }
}

/// Which 64-byte chunks of a guest page hold translated code: bit k covers bytes
/// [64k, 64k + 64). Stores into a code page that touch no such chunk leave its blocks alone, so
/// data sharing a page with a loop does not force retranslation on every store.
public enum CodeMask {
    public static let chunkShift: UInt64 = 6

    /// The chunks covering bytes `first...last`, which lie in one page.
    @inlinable
    public static func chunks(_ first: UInt64, _ last: UInt64) -> UInt64 {
        let low = (first & TLBGeometry.pageOffsetMask) >> chunkShift
        let high = (last & TLBGeometry.pageOffsetMask) >> chunkShift
        let upper: UInt64 = high == 63 ? .max : (1 << (high + 1)) &- 1
        return upper & ~((1 << low) &- 1)
    }
}
