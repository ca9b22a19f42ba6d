import Synchronization

/// Which guest-physical pages hold code that a CPU has translated, so that writes the CPUs do
/// not see themselves (device DMA) drop the stale translations (ARCHITECTURE.md, decision 3).
///
/// One bit per 4 KiB page over the span of the RAM banks, kept in atomic words; word `w`
/// covers the 256 KiB-aligned region `w + firstWord` of the physical address space. The
/// translator sets a page's bit when it protects the page for its blocks and clears it when it
/// drops them; a DMA writer calls `noteWrite` for the range it writes, which loads the word of
/// the range's region (no lock) and only when that word is not zero, or the range leaves the
/// region, looks at the pages and calls the registered observers (each CPU's `invalidateCode`).
///
/// A write racing with the translation of the same bytes is a guest bug (it executes code it
/// is still loading); the guest sees a write once the device completes the request, after
/// `noteWrite` has queued the invalidation.
public final class CodePageMap: @unchecked Sendable {
    public static let pageShift: UInt64 = 12
    /// log2 of the bytes one word covers (64 pages).
    public static let regionShift: UInt64 = 18

    /// The region (address >> 18) of word 0, and the pages mapped from its first page.
    @usableFromInline let firstWord: UInt64
    let firstPage: UInt64
    let pageCount: UInt64
    /// The words, one per 256 KiB region.
    let words: UnsafeMutablePointer<Atomic<UInt64>>
    /// `words` moved back by `firstWord` entries, so that region `address >> 18` indexes it
    /// directly; only ever indexed with a region inside the map.
    @usableFromInline let wordsByRegion: UnsafeMutablePointer<Atomic<UInt64>>
    @usableFromInline let wordCount: UInt64
    private let observers = Mutex<[@Sendable (_ address: UInt64, _ length: UInt64) -> Void]>([])

    /// A map for guest-physical `[base, end)`.
    init(base: UInt64, end: UInt64) {
        firstWord = base >> Self.regionShift
        firstPage = firstWord << (Self.regionShift - Self.pageShift)
        pageCount = ((end &- 1) >> Self.pageShift) &- firstPage &+ 1
        wordCount = (pageCount + 63) / 64
        words = .allocate(capacity: Int(wordCount))
        for i in 0..<Int(wordCount) { (words + i).initialize(to: Atomic(0)) }
        wordsByRegion = words - Int(firstWord)
    }

    deinit {
        words.deinitialize(count: Int(wordCount))
        words.deallocate()
    }

    /// Records that guest-physical `page` (an address >> 12) holds translated code.
    public func mark(page: UInt64) {
        let bit = page &- firstPage
        guard bit < pageCount else { return }
        words[Int(bit >> 6)].bitwiseOr(1 << (bit & 63), ordering: .releasing)
    }

    /// Records that `page` holds no translated code any more.
    public func clear(page: UInt64) {
        let bit = page &- firstPage
        guard bit < pageCount else { return }
        words[Int(bit >> 6)].bitwiseAnd(~(1 << (bit & 63)), ordering: .releasing)
    }

    /// Records that no page holds translated code (a translation cache flush).
    public func clearAll() {
        for i in 0..<Int(wordCount) { words[i].store(0, ordering: .releasing) }
    }

    /// Whether `page` is marked as holding translated code.
    public func holdsCode(page: UInt64) -> Bool {
        let bit = page &- firstPage
        guard bit < pageCount else { return false }
        return words[Int(bit >> 6)].load(ordering: .acquiring) & (1 << (bit & 63)) != 0
    }

    /// Calls `observer(address, length)` for every write `noteWrite` finds on a code page.
    /// The observer runs on the writing thread and must only queue work (no blocking).
    public func addObserver(_ observer: @escaping @Sendable (_ address: UInt64, _ length: UInt64) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// A device wrote guest-physical `[address, address + length)` behind the CPUs' back:
    /// drops translations there, if any page of the range holds some.
    @inlinable @inline(__always)
    public func noteWrite(at address: UInt64, length: UInt64) {
        let region = address >> Self.regionShift
        if region &- firstWord < wordCount, wordsByRegion[Int(truncatingIfNeeded: region)].load(ordering: .relaxed) == 0,
           (address & (1 << Self.regionShift &- 1)) &+ length <= 1 << Self.regionShift {
            return
        }
        noteWriteSlow(at: address, length: length)
    }

    /// The bytes a device writes where the fast check of `noteWrite` could not rule out code:
    /// checks each page and calls the observers if one holds code.
    @inline(never)
    public func noteWriteSlow(at address: UInt64, length: UInt64) {
        guard length != 0 else { return }
        let end = address.addingReportingOverflow(length &- 1).overflow ? UInt64.max : address &+ (length &- 1)
        let lowPage = max(address >> Self.pageShift, firstPage)
        let highPage = min(end >> Self.pageShift, firstPage &+ pageCount &- 1)
        guard lowPage <= highPage else { return }
        var page = lowPage
        while page <= highPage {
            if holdsCode(page: page) {
                for observer in observers.withLock({ $0 }) { observer(address, length) }
                return
            }
            page &+= 1
        }
    }
}
