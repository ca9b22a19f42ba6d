/// One implemented PLIC register, decoded from a guest access (RISC-V PLIC spec, "Memory
/// Map"): priority of source n at 4·n, pending words at 0x1000, enable words of context c at
/// 0x2000 + 0x80·c, threshold of context c at 0x20_0000 + 0x1000·c and its claim/complete
/// register 4 bytes above.
enum PLICRegister: Equatable {
    case priority(source: Int)
    case pending(word: Int)
    case enable(context: Int, word: Int)
    case threshold(context: Int)
    case claimComplete(context: Int)

    static let pendingBase: UInt64 = 0x1000
    static let enableBase: UInt64 = 0x2000
    static let enableStride: UInt64 = 0x80
    static let contextBase: UInt64 = 0x20_0000
    static let contextStride: UInt64 = 0x1000

    /// The register a `size`-byte access at `offset` names, or nil for anything the PLIC does
    /// not implement: accesses other than naturally aligned 32-bit ones, the non-existent
    /// source 0, sources, words and contexts beyond the configured counts, and reserved holes.
    init?(offset: UInt64, size: Int, sourceCount: Int, wordCount: Int, contextCount: Int) {
        guard size == 4, offset % 4 == 0 else { return nil }
        switch offset {
        case 0..<Self.pendingBase:
            let source = Int(offset / 4)
            guard source >= 1 && source <= sourceCount else { return nil }
            self = .priority(source: source)
        case Self.pendingBase..<Self.enableBase:
            let word = Int((offset - Self.pendingBase) / 4)
            guard word < wordCount else { return nil }
            self = .pending(word: word)
        case Self.enableBase..<Self.contextBase:
            let context = Int((offset - Self.enableBase) / Self.enableStride)
            let word = Int((offset - Self.enableBase) % Self.enableStride / 4)
            guard context < contextCount, word < wordCount else { return nil }
            self = .enable(context: context, word: word)
        case Self.contextBase..<PLIC.regionSize:
            let context = Int((offset - Self.contextBase) / Self.contextStride)
            guard context < contextCount else { return nil }
            switch (offset - Self.contextBase) % Self.contextStride {
            case 0: self = .threshold(context: context)
            case 4: self = .claimComplete(context: context)
            default: return nil
            }
        default:
            return nil
        }
    }
}
