/// The guest-physical pages one block's bytes lie in, each with a `CodeMask` of the chunks its
/// instructions occupy there. A block stays in one virtual page but its last instruction may
/// cross into the next, so there are one or two; they are kept inline, not in an array, so that
/// recording an instruction's bytes allocates nothing.
public struct BlockPages: Sendable, Sequence {
    public struct Entry: Sendable, Equatable {
        public var page: UInt64
        public var mask: UInt64
    }

    public private(set) var count = 0
    private var first = Entry(page: 0, mask: 0)
    private var second = Entry(page: 0, mask: 0)

    public subscript(index: Int) -> Entry {
        precondition(index >= 0 && index < count, "block page index out of range")
        return index == 0 ? first : second
    }

    public struct Iterator: IteratorProtocol {
        let pages: BlockPages
        var index = 0

        public mutating func next() -> Entry? {
            guard index < pages.count else { return nil }
            defer { index += 1 }
            return pages[index]
        }
    }

    public func makeIterator() -> Iterator { Iterator(pages: self) }

    /// Adds `chunks` of physical page `page`.
    mutating func note(page: UInt64, chunks: UInt64) {
        if count > 0, first.page == page {
            first.mask |= chunks
        } else if count == 0 {
            first = Entry(page: page, mask: chunks)
            count = 1
        } else if count > 1, second.page == page {
            second.mask |= chunks
        } else {
            precondition(count == 1, "a block spans more than two guest pages")
            second = Entry(page: page, mask: chunks)
            count = 2
        }
    }
}
