import Machine

/// A live virtqueue, device side: the one API every device and both transports use, whatever
/// the ring format the driver negotiated (virtio 1.2 §2.7 split, §2.8 packed).
///
/// A device loops `pop()` -> walk the `DescriptorChain` -> `push(_:written:)`, then asks
/// `needsInterrupt()` once per batch (or per chain) and tells the transport to interrupt when it
/// says so. Exactly one of the two ring states is set, chosen at activation; every method
/// dispatches on it inside, so devices never branch on the format. (The states are held as two
/// optionals rather than enum payloads so that each call mutates the ring in place: switching
/// over an enum payload copies the whole ring state out and back on every pop and push.)
///
/// The per-chain methods here and in the rings are `@inline(always)`, not the `@inline(__always)`
/// hint: a device loop of a few hundred blocks had the hint declined, and push and the chain
/// walk became calls that spilled the ring state on every chain.
///
/// Outcomes for a hostile driver are listed in `VirtqueueError`: a corrupt chain fails while it
/// is walked and the device still completes it; a corrupt ring state makes `pop()` throw once,
/// marks the queue broken (`brokenReason`), and the transport sets DEVICE_NEEDS_RESET.
public struct Virtqueue {
    @usableFromInline var split: SplitRing?
    @usableFromInline var packed: PackedRing?
    @usableFromInline let storage: QueueStorage
    /// Which of the two is set. Dispatching on this flag, rather than on `packed != nil`,
    /// keeps the optional from being copied out to be tested on every call.
    @usableFromInline let usesPacked: Bool
    /// The driver error that broke the queue, nil while it works.
    public var brokenReason: VirtqueueError? { broken }
    @usableFromInline var broken: VirtqueueError?

    init(split: SplitRing, storage: QueueStorage) {
        self.split = split
        self.storage = storage
        usesPacked = false
    }

    init(packed: PackedRing, storage: QueueStorage) {
        self.packed = packed
        self.storage = storage
        usesPacked = true
    }

    /// The queue size.
    public var size: Int { usesPacked ? Int(packed!.size) : Int(split!.size) }

    /// Whether the driver negotiated the packed format (for statistics and logs only).
    public var isPacked: Bool { usesPacked }

    /// Chains popped and not yet pushed.
    public var inFlight: Int { usesPacked ? Int(packed!.inFlight) : Int(split!.inFlight) }

    /// The next chain the driver made available, nil when there is none. Throws only when the
    /// ring state itself is corrupt: the queue is then broken and every later call throws
    /// `.queueBroken`; the transport sets DEVICE_NEEDS_RESET.
    @inlinable @inline(always)
    public mutating func pop() throws(VirtqueueError) -> DescriptorChain? {
        if broken != nil { throw .queueBroken }
        do {
            return usesPacked ? try packed!.pop() : try split!.pop()
        } catch {
            broken = error
            throw error
        }
    }

    /// Completes `chain` with `written` bytes in its writable buffers. The used entry becomes
    /// visible to the driver at the next `publish()` or `needsInterrupt()`, so several pushes
    /// form one batch. Throws `.notInFlight` if the chain is not in flight here (a device bug).
    @inlinable @inline(always)
    public mutating func push(_ chain: borrowing DescriptorChain, written: UInt32) throws(VirtqueueError) {
        try push(chain.token, written: written)
    }

    /// Completes the chain `token` was taken from (see `push(_:written:)` for chains).
    @inlinable @inline(always)
    public mutating func push(_ token: UsedToken, written: UInt32) throws(VirtqueueError) {
        if usesPacked { try packed!.push(token, written: written) } else { try split!.push(token, written: written) }
    }

    /// Makes every pushed used entry visible to the driver.
    @inlinable @inline(always)
    public mutating func publish() {
        if usesPacked { packed!.publish() } else { split!.publish() }
    }

    /// Publishes, then answers "does the driver want an interrupt now?" for everything published
    /// since the previous call, honouring the driver's suppression (flags, or EVENT_IDX).
    @inlinable @inline(always)
    public mutating func needsInterrupt() -> Bool {
        usesPacked ? packed!.needsInterrupt() : split!.needsInterrupt()
    }

    /// Tells the driver that notifications are not needed (the device is already polling).
    @inlinable
    public mutating func disableNotifications() {
        if usesPacked { packed!.disableNotifications() } else { split!.disableNotifications() }
    }

    /// Asks for a notification on the driver's next addition. Returns true when chains are
    /// already available: the device must pop again before it waits.
    @inlinable
    public mutating func enableNotifications() -> Bool {
        usesPacked ? packed!.enableNotifications() : split!.enableNotifications()
    }
}
