/// A set of virtual page numbers that can answer "maybe" for a page never inserted but never
/// "no" for one that was (a one-hash Bloom filter of 4096 bits): with the few hundred code pages
/// a guest runs between full MMU flushes, most other pages answer "no".
struct JumpCachePageFilter {
    private var words = InlineArray<64, UInt64>(repeating: 0)

    @inline(__always)
    private static func bit(_ page: UInt64) -> (word: Int, mask: UInt64) {
        let h = Int(truncatingIfNeeded: (page &* 0x9E37_79B9_7F4A_7C15) >> 52)
        return (h >> 6, 1 << UInt64(h & 63))
    }

    mutating func insert(page: UInt64) {
        let (w, m) = Self.bit(page)
        words[w] |= m
    }

    func mayContain(page: UInt64) -> Bool {
        let (w, m) = Self.bit(page)
        return words[w] & m != 0
    }

    mutating func removeAll() {
        for i in words.indices { words[i] = 0 }
    }
}
