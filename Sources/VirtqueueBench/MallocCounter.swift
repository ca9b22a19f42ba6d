import CMallocCounter

/// Heap allocations counted by the glibc interposer in `CMallocCounter`.
public enum MallocCounter {
    /// Allocations so far in this process.
    public static var count: UInt64 { xemu_malloc_count() }

    /// Whether the counter sees allocations here: 64 fresh arrays must count at least 64.
    public static let isWorking: Bool = {
        let before = xemu_malloc_count()
        var keep: [[Int]] = []
        keep.reserveCapacity(64)
        for i in 0..<64 { keep.append([Int](repeating: i, count: 32 + i)) }
        return xemu_malloc_count() &- before >= 64 && keep.count == 64
    }()
}
