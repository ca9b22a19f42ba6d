import Machine

/// A live virtqueue, device side: the one API every device and both transports use, whatever
/// the ring format the driver negotiated (virtio 1.2 §2.7 split, §2.8 packed).
///
/// A device loops `pop()` -> walk the `DescriptorChain` -> `push(_:written:)`, then asks
/// `needsInterrupt()` once per batch (or per chain) and tells the transport to interrupt when it
/// says so. The format is a `switch` inside; devices never branch on it.
///
/// Outcomes for a hostile driver are listed in `VirtqueueError`: a corrupt chain fails while it
/// is walked and the device still completes it; a corrupt ring state makes `pop()` throw once,
/// marks the queue broken (`brokenReason`), and the transport sets DEVICE_NEEDS_RESET.
public struct Virtqueue {
    @usableFromInline
    enum Ring {
        case split(SplitRing)
        case packed(PackedRing)
    }

    @usableFromInline var ring: Ring
    @usableFromInline let storage: QueueStorage
    /// The driver error that broke the queue, nil while it works.
    public var brokenReason: VirtqueueError? { broken }
    @usableFromInline var broken: VirtqueueError?

    init(ring: Ring, storage: QueueStorage) {
        self.ring = ring
        self.storage = storage
    }

    /// The queue size.
    public var size: Int {
        switch ring {
        case .split(let r): Int(r.size)
        case .packed(let r): Int(r.size)
        }
    }

    /// Whether the driver negotiated the packed format (for statistics and logs only).
    public var isPacked: Bool {
        if case .packed = ring { return true }
        return false
    }

    /// Chains popped and not yet pushed.
    public var inFlight: Int {
        switch ring {
        case .split(let r): Int(r.inFlight)
        case .packed(let r): Int(r.inFlight)
        }
    }

    /// The next chain the driver made available, nil when there is none. Throws only when the
    /// ring state itself is corrupt: the queue is then broken and every later call throws
    /// `.queueBroken`; the transport sets DEVICE_NEEDS_RESET.
    @inlinable
    public mutating func pop() throws(VirtqueueError) -> DescriptorChain? {
        if broken != nil { throw .queueBroken }
        do {
            switch ring {
            case .split(var r):
                defer { ring = .split(r) }
                return try r.pop()
            case .packed(var r):
                defer { ring = .packed(r) }
                return try r.pop()
            }
        } catch {
            broken = error
            throw error
        }
    }

    /// Completes `chain` with `written` bytes in its writable buffers. The used entry becomes
    /// visible to the driver at the next `publish()` or `needsInterrupt()`, so several pushes
    /// form one batch. Throws `.notInFlight` if the chain is not in flight here (a device bug).
    @inlinable
    public mutating func push(_ chain: DescriptorChain, written: UInt32) throws(VirtqueueError) {
        switch ring {
        case .split(var r):
            defer { ring = .split(r) }
            try r.push(chain, written: written)
        case .packed(var r):
            defer { ring = .packed(r) }
            try r.push(chain, written: written)
        }
    }

    /// Makes every pushed used entry visible to the driver.
    @inlinable
    public mutating func publish() {
        switch ring {
        case .split(var r):
            r.publish()
            ring = .split(r)
        case .packed(var r):
            r.publish()
            ring = .packed(r)
        }
    }

    /// Publishes, then answers "does the driver want an interrupt now?" for everything published
    /// since the previous call, honouring the driver's suppression (flags, or EVENT_IDX).
    @inlinable
    public mutating func needsInterrupt() -> Bool {
        switch ring {
        case .split(var r):
            defer { ring = .split(r) }
            return r.needsInterrupt()
        case .packed(var r):
            defer { ring = .packed(r) }
            return r.needsInterrupt()
        }
    }

    /// Tells the driver that notifications are not needed (the device is already polling).
    @inlinable
    public mutating func disableNotifications() {
        switch ring {
        case .split(var r):
            r.disableNotifications()
            ring = .split(r)
        case .packed(var r):
            r.disableNotifications()
            ring = .packed(r)
        }
    }

    /// Asks for a notification on the driver's next addition. Returns true when chains are
    /// already available: the device must pop again before it waits.
    @inlinable
    public mutating func enableNotifications() -> Bool {
        switch ring {
        case .split(var r):
            defer { ring = .split(r) }
            return r.enableNotifications()
        case .packed(var r):
            defer { ring = .packed(r) }
            return r.enableNotifications()
        }
    }
}
