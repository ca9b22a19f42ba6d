import Synchronization

/// Counters of one virtio-blk device, updated by its I/O workers and readable from any thread
/// (tests, logs, `xemu bench blk`). Guest misbehaviour is counted, never trapped.
public final class BlockMetrics: Sendable {
    /// Requests answered OK.
    public let completed = Atomic<UInt64>(0)
    /// Requests answered IOERR: malformed, out of range, refused by a read-only disk, or a host
    /// I/O failure.
    public let ioErrors = Atomic<UInt64>(0)
    /// Requests answered UNSUPP (an unknown type or flag).
    public let unsupported = Atomic<UInt64>(0)
    /// Chains completed with 0 bytes because they had no status byte or were corrupt.
    public let badChains = Atomic<UInt64>(0)
    /// Bytes moved from the disk to the guest and from the guest to the disk.
    public let bytesRead = Atomic<UInt64>(0)
    public let bytesWritten = Atomic<UInt64>(0)

    public init() {}

    func count(status: UInt8) {
        switch status {
        case BlockStatus.ok: completed.add(1, ordering: .relaxed)
        case BlockStatus.unsupported: unsupported.add(1, ordering: .relaxed)
        default: ioErrors.add(1, ordering: .relaxed)
        }
    }
}
