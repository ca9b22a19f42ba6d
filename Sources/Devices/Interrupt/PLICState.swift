/// The PLIC's registers and gateway state, used under the PLIC's lock.
///
/// Bit sets are arrays of 32-bit words indexed by interrupt ID (bit `id % 32` of word
/// `id / 32`), as the pending and enable registers lay them out; bit 0 (ID 0, "no
/// interrupt") and bits above `sourceCount` are never set. A source's pending bit is not
/// stored: it is its input level while the source is not in service (claimed and not yet
/// completed), which gives the level-triggered gateway of QEMU's `virt` PLIC — a request
/// withdrawn before the claim is no longer pending, and a completion while the level is
/// still high makes the source pending again.
struct PLICState {
    let sourceCount: Int
    let contextCount: Int
    let wordCount: Int
    /// Priority of each source, indexed by ID (entry 0 stays 0).
    var priority: [UInt32]
    /// Input level of each source.
    var level: [UInt32]
    /// Sources claimed and not yet completed: the gateway forwards no new request for them.
    var inService: [UInt32]
    /// Enable bits, `wordCount` words per context.
    var enable: [UInt32]
    var threshold: [UInt32]
    /// The level last driven on each context's output line.
    var outputHigh: [Bool]

    init(sourceCount: Int, contextCount: Int) {
        self.sourceCount = sourceCount
        self.contextCount = contextCount
        wordCount = sourceCount / 32 + 1
        priority = Array(repeating: 0, count: sourceCount + 1)
        level = Array(repeating: 0, count: wordCount)
        inService = Array(repeating: 0, count: wordCount)
        enable = Array(repeating: 0, count: wordCount * contextCount)
        threshold = Array(repeating: 0, count: contextCount)
        outputHigh = Array(repeating: false, count: contextCount)
    }

    /// The bits of word `word` that name existing sources (IDs 1 ... sourceCount).
    func validMask(word: Int) -> UInt32 {
        let first = word * 32
        let last = first + 31
        var mask = UInt32.max
        if first == 0 { mask &= ~1 }
        if last > sourceCount { mask &= (UInt32(1) << UInt32(sourceCount - first + 1)) &- 1 }
        return mask
    }

    func pending(word: Int) -> UInt32 { level[word] & ~inService[word] }

    func isEnabled(context: Int, source: Int) -> Bool {
        enable[context * wordCount + source / 32] & Self.bit(source) != 0
    }

    /// The highest-priority source that is pending and enabled for `context`, ties going to
    /// the lowest ID; priority-0 sources never qualify. ID 0 (priority 0) when there is none.
    func best(context: Int) -> (source: Int, priority: UInt32) {
        var best = (source: 0, priority: UInt32(0))
        for word in 0..<wordCount {
            var candidates = pending(word: word) & enable[context * wordCount + word]
            while candidates != 0 { // at most 32 steps: one set bit cleared per step
                let source = word * 32 + candidates.trailingZeroBitCount
                if priority[source] > best.priority { best = (source, priority[source]) }
                candidates &= candidates &- 1
            }
        }
        return best
    }

    /// Whether `context`'s output should be high: some pending enabled source has a
    /// priority above the context's threshold.
    func wantsInterrupt(context: Int) -> Bool { best(context: context).priority > threshold[context] }

    /// Records the input level of `source` (1 ... sourceCount); true when its pending bit changed.
    mutating func setLevel(source: Int, high: Bool) -> Bool {
        let word = source / 32, bit = Self.bit(source)
        let before = pending(word: word) & bit
        if high { level[word] |= bit } else { level[word] &= ~bit }
        return pending(word: word) & bit != before
    }

    /// Claims the best source for `context` (the threshold does not apply to claims, PLIC
    /// spec "Interrupt Claim Process"): marks it in service and returns its ID, or 0.
    mutating func claim(context: Int) -> Int {
        let source = best(context: context).source
        if source != 0 { inService[source / 32] |= Self.bit(source) }
        return source
    }

    /// Ends service of `source` if it is in service and enabled for `context` (a completion
    /// for a source not enabled for the target is ignored, PLIC spec "Interrupt Completion");
    /// true when it was.
    mutating func complete(context: Int, source: Int) -> Bool {
        guard source >= 1 && source <= sourceCount, isEnabled(context: context, source: source),
              inService[source / 32] & Self.bit(source) != 0 else { return false }
        inService[source / 32] &= ~Self.bit(source)
        return true
    }

    static func bit(_ source: Int) -> UInt32 { UInt32(1) << UInt32(source % 32) }
}
