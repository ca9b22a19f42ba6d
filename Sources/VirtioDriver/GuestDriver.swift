import Machine
import Virtio

/// A driver-side model of one virtqueue, in either format, that plays the role Linux's
/// `virtio_ring.c` plays in a guest: it adds buffers, decides kicks with the device's
/// notification suppression, reclaims used buffers and detaches unused ones.
///
/// Tests drive the device-side engine with it and the benchmark uses it as the load generator,
/// so it is a regular library rather than test-only code. It lays its rings out in guest RAM
/// and hands the device the matching `QueueConfig`.
public enum GuestDriver {
    case split(SplitDriver)
    case packed(PackedDriver)

    /// A driver for a queue of `size` with `features` (RING_PACKED selects the format), its
    /// rings and indirect tables laid out from `base`.
    public init(memory: GuestMemory, size: UInt16, features: UInt64, base: UInt64, maxSegments: Int = 8) throws(MemoryError) {
        let packed = features & VirtioFeature.ringPacked != 0
        let layout = DriverLayout(base: base, size: Int(size), packed: packed, maxSegments: maxSegments)
        if packed {
            self = .packed(try PackedDriver(memory: memory, layout: layout, size: size, features: features))
        } else {
            self = .split(try SplitDriver(memory: memory, layout: layout, size: size, features: features))
        }
    }

    public var layout: DriverLayout {
        switch self {
        case .split(let d): d.layout
        case .packed(let d): d.layout
        }
    }

    /// The configuration the transport would hold after the driver set the queue up.
    public var queueConfig: QueueConfig {
        let (size, features) = switch self {
        case .split(let d): (d.size, d.features)
        case .packed(let d): (d.size, d.features)
        }
        var config = QueueConfig(maxSize: size, features: features)
        config.descriptorArea = layout.descriptorArea
        config.driverArea = layout.driverArea
        config.deviceArea = layout.deviceArea
        config.ready = true
        return config
    }

    /// Adds one chain (readable buffers first, then writable); false when the ring is full.
    @inlinable @inline(__always)
    public func add(_ buffers: UnsafeBufferPointer<GuestBuffer>, token: UInt32) -> Bool {
        switch self {
        case .split(let d): d.add(buffers, token: token)
        case .packed(let d): d.add(buffers, token: token)
        }
    }

    /// Adds up to `count` chains of the same buffers (tokens `firstToken`, `firstToken + 1` ...),
    /// each as `add(_:token:)` would; returns how many fitted.
    @inlinable @inline(always)
    public func add(_ buffers: UnsafeBufferPointer<GuestBuffer>, count: Int, firstToken: UInt32) -> Int {
        switch self {
        case .split(let d): d.add(buffers, count: count, firstToken: firstToken)
        case .packed(let d): d.add(buffers, count: count, firstToken: firstToken)
        }
    }

    /// Whether the device asked to be notified of what was added since the last call.
    @inlinable @inline(__always)
    public func kickPrepare() -> Bool {
        switch self {
        case .split(let d): d.kickPrepare()
        case .packed(let d): d.kickPrepare()
        }
    }

    /// The next used buffer, nil when none is pending.
    @inlinable @inline(__always)
    public func getBuf() -> UsedBuffer? {
        switch self {
        case .split(let d): d.getBuf()
        case .packed(let d): d.getBuf()
        }
    }

    /// Hands `body` every used buffer pending now, up to `max`, as repeated `getBuf()` calls
    /// would; returns how many. `body` must not call back into the driver.
    @inlinable @inline(always)
    public func reclaim(max: Int = .max, _ body: (UsedBuffer) -> Void) -> Int {
        switch self {
        case .split(let d): d.reclaim(max: max, body)
        case .packed(let d): d.reclaim(max: max, body)
        }
    }

    public func disableCallbacks() {
        switch self {
        case .split(let d): d.disableCallbacks()
        case .packed(let d): d.disableCallbacks()
        }
    }

    /// Re-enables interrupts; true when used buffers are already pending.
    public func enableCallbacks() -> Bool {
        switch self {
        case .split(let d): d.enableCallbacks()
        case .packed(let d): d.enableCallbacks()
        }
    }

    /// Re-enables interrupts for when about three quarters of what is in flight has been used
    /// (EVENT_IDX; otherwise for the next one); true when used buffers are already pending.
    public func enableCallbacksDelayed() -> Bool {
        switch self {
        case .split(let d): d.enableCallbacksDelayed()
        case .packed(let d): d.enableCallbacksDelayed()
        }
    }

    public func detachUnused() -> [UInt32] {
        switch self {
        case .split(let d): d.detachUnused()
        case .packed(let d): d.detachUnused()
        }
    }

    public var inFlight: Int {
        switch self {
        case .split(let d): d.inFlight
        case .packed(let d): d.inFlight
        }
    }

    public var freeDescriptors: Int {
        switch self {
        case .split(let d): d.freeDescriptors
        case .packed(let d): d.freeDescriptors
        }
    }

    /// What the device will report as `head` for the chain added last.
    public var lastHead: UInt16 {
        switch self {
        case .split(let d): d.lastHead
        case .packed(let d): d.lastHead
        }
    }

    /// The first device protocol violation seen, nil if none.
    public var violation: String? {
        switch self {
        case .split(let d): d.violation
        case .packed(let d): d.violation
        }
    }
}
