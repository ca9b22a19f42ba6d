import Machine

/// The driver-programmed configuration of one virtqueue, as the transport collects it from
/// register writes (virtio 1.2 §4.1.4.3 PCI common configuration, §4.2.2 MMIO): size, ready
/// bit, the three area addresses and the negotiated features.
///
/// Nothing here is trusted. `activate(memory:)` checks everything once and yields the live
/// `Virtqueue`; until then the transport may edit the fields freely.
public struct QueueConfig: Equatable, Sendable {
    /// The largest size the device offers (QueueNumMax / queue_size at reset).
    public var maxSize: UInt16
    /// The size the driver chose (1...32768; a power of two for a split ring).
    public var size: UInt16
    /// Whether the driver set QueueReady / queue_enable.
    public var ready: Bool
    /// Descriptor table (split) or descriptor ring (packed).
    public var descriptorArea: UInt64
    /// Available ring (split) or driver event suppression structure (packed).
    public var driverArea: UInt64
    /// Used ring (split) or device event suppression structure (packed).
    public var deviceArea: UInt64
    /// Negotiated feature bits; RING_PACKED, EVENT_IDX, INDIRECT_DESC and IN_ORDER matter here.
    public var features: UInt64

    /// A queue in its reset state: size at the device maximum, not ready, areas at 0.
    public init(maxSize: UInt16, features: UInt64 = 0) {
        self.maxSize = maxSize
        self.size = maxSize
        self.ready = false
        self.descriptorArea = 0
        self.driverArea = 0
        self.deviceArea = 0
        self.features = features
    }

    /// Whether the negotiated features select the packed format.
    public var isPacked: Bool { features & VirtioFeature.ringPacked != 0 }

    /// Checks size, alignment and that every ring area lies inside guest RAM, then yields the
    /// live queue with the ring positions at their reset values (*activation* errors).
    public func activate(memory: GuestMemory) throws(VirtqueueError) -> Virtqueue {
        guard ready else { throw .queueNotReady }
        let n = UInt32(size)
        guard n >= 1, n <= RingLayout.maxQueueSize, size <= maxSize else { throw .invalidQueueSize }
        let descriptorBytes = UInt64(n) * RingLayout.descriptorSize
        if isPacked {
            guard descriptorArea % 16 == 0, driverArea % 4 == 0, deviceArea % 4 == 0 else { throw .misalignedRing }
            let ring = try host(memory, descriptorArea, descriptorBytes)
            let driverEvent = try host(memory, driverArea, RingLayout.eventSuppressionSize)
            let deviceEvent = try host(memory, deviceArea, RingLayout.eventSuppressionSize)
            let storage = QueueStorage(memory: memory, ids: Int(n))
            return Virtqueue(packed: (PackedRing(memory: memory, ring: ring, driverEvent: driverEvent,
                                                      deviceEvent: deviceEvent, slotsOfID: storage.slotsOfID,
                                                      size: size, features: features)),
                             storage: storage)
        }
        guard n & (n - 1) == 0 else { throw .invalidQueueSize }
        guard descriptorArea % 16 == 0, driverArea % 2 == 0, deviceArea % 4 == 0 else { throw .misalignedRing }
        let descriptors = try host(memory, descriptorArea, descriptorBytes)
        let avail = try host(memory, driverArea, RingLayout.availRingSize(n))
        let used = try host(memory, deviceArea, RingLayout.usedRingSize(n))
        return Virtqueue(split: (SplitRing(memory: memory, descriptors: descriptors, avail: avail, used: used,
                                                size: size, features: features)),
                         storage: QueueStorage(memory: memory, ids: 0))
    }

    private func host(_ memory: GuestMemory, _ address: UInt64, _ length: UInt64) throws(VirtqueueError) -> UnsafeMutableRawPointer {
        guard let p = memory.hostPointer(address, length: length) else { throw .ringOutsideRAM }
        return p
    }
}

/// What a live queue owns: a strong reference to guest memory (the rings hold unowned host
/// pointers into it) and the packed ring's per-buffer-ID table, sized once at activation.
@usableFromInline
final class QueueStorage {
    let memory: GuestMemory
    let slotsOfID: UnsafeMutablePointer<UInt16>

    init(memory: GuestMemory, ids: Int) {
        self.memory = memory
        slotsOfID = .allocate(capacity: max(ids, 1))
        slotsOfID.initialize(repeating: 0, count: max(ids, 1))
    }

    deinit { slotsOfID.deallocate() }
}
