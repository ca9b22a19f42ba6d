import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A copy-on-write view of a disk image (`--drive ...,snapshot=on`): the guest sees a writable
/// disk, and the image file never changes.
///
/// The base image is opened `O_RDONLY`. Writes go to a sparse temporary overlay file of the same
/// size, unlinked as soon as it is created so it disappears however xemu exits. The overlay is
/// tracked in clusters of `clusterSize` bytes by an allocation bitmap: a cluster is read from
/// the overlay once written, from the base before. A write that covers part of an unwritten
/// cluster first copies that cluster from the base, so a cluster in the overlay is always whole.
public final class SnapshotOverlayBackend: BlockBackend {
    /// The copy-on-write granule.
    public static let clusterSize: UInt64 = 64 << 10

    private let base: BlockFile
    private let overlay: BlockFile
    /// One bit per cluster, set once the cluster lives in the overlay. Cluster copy-in happens
    /// under this lock, so two threads never copy the same cluster.
    private let allocated: Mutex<[UInt64]>
    public var capacity: UInt64 { base.size }
    public var isReadOnly: Bool { false }

    /// Opens `path` read-only and creates the overlay in `overlayDirectory` (by default
    /// `$TMPDIR`, else /var/tmp, which is disk-backed on most systems).
    public init(path: String, overlayDirectory: String? = nil) throws(BlockError) {
        base = try BlockFile.open(path, writable: false)
        let directory = overlayDirectory ?? getenv("TMPDIR").map { String(cString: $0) } ?? "/var/tmp"
        overlay = try BlockFile.temporary(in: directory, size: base.size)
        let clusters = (base.size + Self.clusterSize - 1) / Self.clusterSize
        allocated = Mutex([UInt64](repeating: 0, count: Int((clusters + 63) / 64)))
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BlockError) {
        try checkRange(offset, UInt64(buffer.count))
        var done = 0
        while done < buffer.count {
            let position = offset + UInt64(done)
            // The longest run of clusters from here that all come from the same file.
            let (inOverlay, runEnd) = allocated.withLock { bits in
                let first = position / Self.clusterSize
                let state = Self.test(bits, first)
                var end = (first + 1) * Self.clusterSize
                while end < offset + UInt64(buffer.count), Self.test(bits, end / Self.clusterSize) == state {
                    end += Self.clusterSize
                }
                return (state, end)
            }
            let count = Int(min(runEnd, offset + UInt64(buffer.count)) - position)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[done..<done + count])
            try (inOverlay ? overlay : base).read(into: part, at: position)
            done += count
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BlockError) {
        try checkRange(offset, UInt64(bytes.count))
        try forEachCluster(offset, UInt64(bytes.count)) { position, length, done throws(BlockError) in
            let part = UnsafeRawBufferPointer(rebasing: bytes[done..<done + Int(length)])
            try store(at: position, length: length) { buffer in buffer.copyMemory(from: part) } direct: { () throws(BlockError) in
                try overlay.write(part, at: position)
            }
        }
    }

    /// Nothing to do: the overlay is thrown away when xemu exits, and the base never changes.
    public func flush() throws(BlockError) {}

    public func writeZeroes(at offset: UInt64, length: UInt64) throws(BlockError) {
        try checkRange(offset, length)
        try forEachCluster(offset, length) { position, length, _ throws(BlockError) in
            try store(at: position, length: length) { buffer in buffer.initializeMemory(as: UInt8.self, repeating: 0) } direct: { () throws(BlockError) in
                try overlay.zero(at: position, length: length)
            }
        }
    }

    public func discard(at offset: UInt64, length: UInt64) throws(BlockError) {
        try writeZeroes(at: offset, length: length)
    }

    /// Calls `body` for each piece of `[offset, offset + length)` that lies in one cluster, with
    /// the piece's start, its length and how far into the request it begins.
    private func forEachCluster(_ offset: UInt64, _ length: UInt64,
                                _ body: (UInt64, UInt64, Int) throws(BlockError) -> Void) throws(BlockError) {
        var position = offset
        let end = offset + length
        while position < end {
            let clusterEnd = (position / Self.clusterSize + 1) * Self.clusterSize
            let pieceEnd = min(clusterEnd, end)
            try body(position, pieceEnd - position, Int(position - offset))
            position = pieceEnd
        }
    }

    /// Changes `[position, position + length)`, which lies inside one cluster. If the cluster is
    /// already in the overlay, `direct` changes it there. Otherwise, under the lock, the whole
    /// cluster is assembled in memory from the base (unless the change covers it all), `fill`
    /// applies the change to its part of that buffer, and the cluster is written to the overlay
    /// before its bit is set.
    private func store(at position: UInt64, length: UInt64,
                       fill: (UnsafeMutableRawBufferPointer) -> Void,
                       direct: () throws(BlockError) -> Void) throws(BlockError) {
        let cluster = position / Self.clusterSize
        if allocated.withLock({ Self.test($0, cluster) }) {
            try direct()
            return
        }
        let clusterStart = cluster * Self.clusterSize
        let clusterLength = min(Self.clusterSize, capacity - clusterStart)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(clusterLength), alignment: 4096)
        defer { buffer.deallocate() }
        let result: Result<Bool, BlockError> = allocated.withLock { bits in
            // Another thread may have copied the cluster in while this one waited.
            guard !Self.test(bits, cluster) else { return .success(false) }
            do throws(BlockError) {
                if length < clusterLength { try base.read(into: buffer, at: clusterStart) }
                let inner = Int(position - clusterStart)
                fill(UnsafeMutableRawBufferPointer(rebasing: buffer[inner..<inner + Int(length)]))
                try overlay.write(UnsafeRawBufferPointer(buffer), at: clusterStart)
            } catch {
                return .failure(error)
            }
            bits[Int(cluster / 64)] |= 1 << (cluster % 64)
            return .success(true)
        }
        if try !result.get() { try direct() }
    }

    private static func test(_ bits: [UInt64], _ cluster: UInt64) -> Bool {
        bits[Int(cluster / 64)] & (1 << (cluster % 64)) != 0
    }
}
