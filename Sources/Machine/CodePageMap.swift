import Synchronization

/// Which guest-physical pages hold code that a CPU has translated, so that writes the CPUs do
/// not see themselves (device DMA) drop the stale translations (ARCHITECTURE.md, decision 3).
///
/// One bit per 4 KiB page over the span of the RAM banks, kept in atomic words. The translator
/// sets a page's bit when it protects the page for its blocks and clears it when it drops them;
/// a DMA writer calls `noteWrite` for the range it writes, which loads the word covering the
/// range (no lock, one load for any range inside 64 pages) and, only when a bit is set, calls
/// the registered observers (each CPU's `invalidateCode`).
///
/// A write racing with the translation of the same bytes is a guest bug (it executes code it
/// is still loading); the guest sees a write once the device completes the request, after
/// `noteWrite` has queued the invalidation.
public final class CodePageMap: @unchecked Sendable {
    public static let pageShift: UInt64 = 12

    /// The page number of bit 0, and the number of pages mapped.
    @usableFromInline let firstPage: UInt64
    @usableFromInline let pageCount: UInt64
    @usableFromInline let words: UnsafeMutablePointer<Atomic<UInt64>>
    private let wordCount: Int
    private let observers = Mutex<[@Sendable (_ address: UInt64, _ length: UInt64) -> Void]>([])

    /// A map for guest-physical `[base, end)`.
    init(base: UInt64, end: UInt64) {
        firstPage = base >> Self.pageShift
        pageCount = ((end &- 1) >> Self.pageShift) &- firstPage &+ 1
        wordCount = Int((pageCount + 63) / 64)
        words = .allocate(capacity: wordCount)
        for i in 0..<wordCount { (words + i).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: wordCount)
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
        for i in 0..<wordCount { words[i].store(0, ordering: .releasing) }
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
        let first = (address >> Self.pageShift) &- firstPage
        let last = ((address &+ (length &- 1)) >> Self.pageShift) &- firstPage
        if first >> 6 == last >> 6, first <= last, last < pageCount {
            let mask = (UInt64.max << (first & 63)) & (UInt64.max >> (63 &- (last & 63)))
            if words[Int(first >> 6)].load(ordering: .relaxed) & mask == 0 { return }
        }
        if length != 0 { noteWriteSlow(at: address, length: length) }
    }

    /// A range across words (or partly outside the map), or one that touches a marked page.
    @usableFromInline @inline(never)
    func noteWriteSlow(at address: UInt64, length: UInt64) {
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
