/// The chain slots of compiled code: one 64-bit word per side exit of a region, holding the
/// entry point of the region its target PC starts (0: return to the exec loop). Compiled code
/// reads a slot at its exit and tail-calls a non-zero one; the vCPU fills a slot when a side
/// exit is followed by entering a region (same page, same mode) and zeroes it when either
/// region is dropped.
final class ChainTable {
    static let capacity = 1 << 16
    let words: UnsafeMutablePointer<UInt64>
    /// Per slot: the region slot that owns it (-1 when free) and the one it links to (-1 none).
    private var owner: [Int32]
    private var target: [Int32]
    private var free: [Int]

    init() {
        words = .allocate(capacity: Self.capacity)
        words.initialize(repeating: 0, count: Self.capacity)
        owner = Array(repeating: -1, count: Self.capacity)
        target = Array(repeating: -1, count: Self.capacity)
        free = Array((0..<Self.capacity).reversed())
    }

    deinit { words.deallocate() }

    func address(of id: Int) -> UInt { UInt(bitPattern: words + id) }

    /// A free slot for region `owner`, or nil when all are taken (the exit then never chains).
    func allocate(owner region: Int) -> Int? {
        guard let id = free.popLast() else { return nil }
        owner[id] = Int32(region)
        target[id] = -1
        words[id] = 0
        return id
    }

    /// Links slot `id` (owned by `from`) to region `to`'s code; returns whether it linked.
    func link(_ id: Int, from: Int, to: Int, entry: UInt) -> Bool {
        guard id >= 0, id < Self.capacity, owner[id] == Int32(from) else { return false }
        target[id] = Int32(to)
        words[id] = UInt64(entry)
        return true
    }

    /// Frees the slots owned by region `region` (its code is going away).
    func release(_ ids: [Int], owner region: Int) {
        for id in ids where owner[id] == Int32(region) {
            owner[id] = -1
            target[id] = -1
            words[id] = 0
            free.append(id)
        }
    }

    /// Zeroes the slots in `ids` that still link to `region` (its code is going away).
    func unlink(_ ids: [Int], target region: Int) {
        for id in ids where target[id] == Int32(region) {
            target[id] = -1
            words[id] = 0
        }
    }
}

extension ChainTable {
    /// The region that owns slot `id`, if it is allocated.
    func owner(of id: Int) -> Int? {
        guard id >= 0, id < Self.capacity else { return nil }
        return owner[id] >= 0 ? Int(owner[id]) : nil
    }
}
