import Machine
import Virtio

/// The driver side of a packed virtqueue (virtio 1.2 §2.8), written to behave as Linux's
/// `virtio_ring.c` does: buffer IDs from a free list, descriptors written in ring order with the
/// head's flags stored last, wrap counters on both sides, kick decisions from the device event
/// suppression structure, callback suppression through the driver's, and reclaim of used
/// buffers by skipping each chain's descriptor count.
///
/// Test support and benchmark load generator: it trusts nothing the device writes and records
/// the first protocol violation in `violation` instead of trapping.
public final class PackedDriver {
    @usableFromInline let ring: UnsafeMutableRawPointer
    @usableFromInline let driverEvent: UnsafeMutableRawPointer
    @usableFromInline let deviceEvent: UnsafeMutableRawPointer
    @usableFromInline let indirectTables: UnsafeMutableRawPointer
    @usableFromInline let indirectBase: UInt64
    public let layout: DriverLayout
    public let size: UInt16
    public let features: UInt64
    @usableFromInline let eventIndex: Bool
    @usableFromInline let indirect: Bool
    @usableFromInline let inOrder: Bool

    @usableFromInline let nextFreeID: UnsafeMutablePointer<UInt16>
    @usableFromInline let tokenOfID: UnsafeMutablePointer<UInt32>
    /// Descriptors each in-flight ID holds (0 when the ID is free).
    @usableFromInline let descriptorsOfID: UnsafeMutablePointer<UInt16>
    /// With IN_ORDER, IDs in the order they were added (to expand batched used entries).
    @usableFromInline let order: UnsafeMutablePointer<UInt16>
    @usableFromInline var orderFront = 0, orderCount = 0
    @usableFromInline var freeID: UInt16 = 0
    @usableFromInline var freeCount: Int
    public var freeDescriptors: Int { freeCount }
    @usableFromInline var nextAvail: UInt16 = 0
    @usableFromInline var availWrap = true
    @usableFromInline var lastUsed: UInt16 = 0
    @usableFromInline var usedWrap = true
    @usableFromInline var added: UInt32 = 0
    @usableFromInline var eventFlagsShadow = RingLayout.eventFlagsEnable
    @usableFromInline var pendingBatch: (id: UInt16, length: UInt32)?
    public private(set) var violation: String?
    /// The descriptor index (split) or buffer ID (packed) the last `add` used: what the device
    /// reports back as the chain's `head`.
    @usableFromInline var lastAdded: UInt16 = 0
    public var lastHead: UInt16 { lastAdded }

    public init(memory: GuestMemory, layout: DriverLayout, size: UInt16, features: UInt64) throws(MemoryError) {
        let n = Int(size)
        ring = try memory.slice(at: layout.descriptorArea, length: UInt64(16 * n)).baseAddress!
        driverEvent = try memory.slice(at: layout.driverArea, length: 4).baseAddress!
        deviceEvent = try memory.slice(at: layout.deviceArea, length: 4).baseAddress!
        indirectTables = try memory.slice(at: layout.indirectArea, length: UInt64(n * layout.maxSegments * 16)).baseAddress!
        indirectBase = layout.indirectArea
        self.layout = layout
        self.size = size
        self.features = features
        eventIndex = features & VirtioFeature.eventIndex != 0
        indirect = features & VirtioFeature.indirectDescriptors != 0
        inOrder = features & VirtioFeature.inOrder != 0
        nextFreeID = .allocate(capacity: n)
        tokenOfID = .allocate(capacity: n)
        descriptorsOfID = .allocate(capacity: n)
        order = .allocate(capacity: n)
        for i in 0..<n { nextFreeID[i] = UInt16(truncatingIfNeeded: i + 1) }
        tokenOfID.initialize(repeating: 0, count: n)
        descriptorsOfID.initialize(repeating: 0, count: n)
        order.initialize(repeating: 0, count: n)
        freeCount = n
        ring.initializeMemory(as: UInt8.self, repeating: 0, count: 16 * n)
        driverEvent.initializeMemory(as: UInt8.self, repeating: 0, count: 4)
        deviceEvent.initializeMemory(as: UInt8.self, repeating: 0, count: 4)
    }

    deinit {
        nextFreeID.deallocate(); tokenOfID.deallocate(); descriptorsOfID.deallocate(); order.deallocate()
    }

    @usableFromInline
    func fail(_ why: String) { if violation == nil { violation = why } }

    @inlinable
    func load16(_ p: UnsafeMutableRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Adds one chain; false when there are not enough free descriptors.
    @inlinable @inline(always)
    public func add(_ buffers: UnsafeBufferPointer<GuestBuffer>, token: UInt32) -> Bool {
        add(buffers, count: 1, firstToken: token) == 1
    }

    /// Adds up to `count` chains of the same buffers, with tokens `firstToken`, `firstToken + 1`
    /// ...; returns how many fitted. Each chain is added as Linux's `virtqueue_add_packed` does
    /// it (its descriptors, a write barrier, then the head's flags): the driver's own state is
    /// only held in locals for the batch, since a store into the ring could otherwise alias this
    /// object's fields and force every one of them to be reloaded.
    @inlinable @inline(always)
    public func add(_ buffers: UnsafeBufferPointer<GuestBuffer>, count: Int, firstToken: UInt32) -> Int {
        let n = buffers.count
        let maxSegments = layout.maxSegments
        precondition(n > 0 && n <= maxSegments, "a chain needs 1...maxSegments buffers")
        if n == 1 { return addSingle(buffers[0], count: count, firstToken: firstToken) }
        let ring = self.ring, size = self.size, order = self.order, nextFreeID = self.nextFreeID
        let tokenOfID = self.tokenOfID, descriptorsOfID = self.descriptorsOfID
        let indirect = self.indirect, inOrder = self.inOrder
        var freeID = self.freeID, freeCount = self.freeCount, orderCount = self.orderCount, lastAdded = self.lastAdded
        var nextAvail = self.nextAvail, availWrap = self.availWrap
        var advanced: UInt32 = 0
        var done = 0
        while done < count {
            let useIndirect = indirect && n > 1 && freeCount > 0
            let needed = useIndirect ? 1 : n
            guard freeCount >= needed else { break }
            let id = freeID
            let head = nextAvail
            let availBits = availWrap ? RingLayout.packedAvail : RingLayout.packedUsed
            var headFlags: UInt16 = 0
            if useIndirect {
                let table = indirectTables.advanced(by: Int(id) &* maxSegments &* 16)
                for k in 0..<n {
                    let b = buffers[k]
                    let d = table.advanced(by: k &* 16)
                    d.storeBytes(of: b.address.littleEndian, as: UInt64.self)
                    d.storeBytes(of: b.length.littleEndian, toByteOffset: 8, as: UInt32.self)
                    d.storeBytes(of: UInt16(0), toByteOffset: 12, as: UInt16.self)
                    d.storeBytes(of: (b.deviceWritable ? RingLayout.write : 0).littleEndian, toByteOffset: 14, as: UInt16.self)
                }
                Self.write(ring, head, address: indirectBase &+ UInt64(Int(id) &* maxSegments &* 16),
                           length: UInt32(truncatingIfNeeded: n &* 16), id: id)
                headFlags = RingLayout.indirect | availBits
                Self.step(&nextAvail, &availWrap, size: size)
            } else {
                let first = buffers[0]
                headFlags = (first.deviceWritable ? RingLayout.write : 0) | (n > 1 ? RingLayout.next : 0) | availBits
                Self.write(ring, head, address: first.address, length: first.length, id: id)
                Self.step(&nextAvail, &availWrap, size: size)
                var k = 1
                while k < n {
                    let b = buffers[k]
                    let flags = (b.deviceWritable ? RingLayout.write : 0) | (k < n &- 1 ? RingLayout.next : 0)
                        | (availWrap ? RingLayout.packedAvail : RingLayout.packedUsed)
                    Self.write(ring, nextAvail, address: b.address, length: b.length, id: id)
                    ring.storeBytes(of: flags.littleEndian, toByteOffset: Int(nextAvail) &* 16 &+ 14, as: UInt16.self)
                    Self.step(&nextAvail, &availWrap, size: size)
                    k &+= 1
                }
            }
            freeID = nextFreeID[Int(id)]
            freeCount &-= needed
            tokenOfID[Int(id)] = firstToken &+ UInt32(truncatingIfNeeded: done)
            descriptorsOfID[Int(id)] = UInt16(truncatingIfNeeded: needed)
            if inOrder { order[(orderFront &+ orderCount) % Int(size)] = id }
            orderCount &+= 1
            advanced &+= UInt32(truncatingIfNeeded: needed)
            GuestMemory.releaseFence()
            ring.storeBytes(of: headFlags.littleEndian, toByteOffset: Int(head) &* 16 &+ 14, as: UInt16.self)
            lastAdded = id
            done &+= 1
        }
        self.freeID = freeID
        self.freeCount = freeCount
        self.orderCount = orderCount
        self.nextAvail = nextAvail
        self.availWrap = availWrap
        self.lastAdded = lastAdded
        added &+= advanced
        return done
    }

    /// `add(_:count:firstToken:)` for chains of one buffer: one descriptor each, never indirect,
    /// so how many fit is known before the loop, and the loop carries only the ring position,
    /// the head flags of the current lap and the free-ID head (fewer values than registers).
    @inlinable @inline(always)
    func addSingle(_ buffer: GuestBuffer, count: Int, firstToken: UInt32) -> Int {
        let fits = min(count, freeCount)
        guard fits > 0 else { return 0 }
        // A loop per IN_ORDER setting: without it the loop carries no order slot.
        if inOrder { addSingle(buffer, fits: fits, firstToken: firstToken, inOrder: true) }
        else { addSingle(buffer, fits: fits, firstToken: firstToken, inOrder: false) }
        return fits
    }

    @inlinable @inline(always)
    func addSingle(_ buffer: GuestBuffer, fits: Int, firstToken: UInt32, inOrder: Bool) {
        let ring = self.ring, size = self.size, nextFreeID = self.nextFreeID, order = self.order
        let tokenOfID = self.tokenOfID, descriptorsOfID = self.descriptorsOfID
        let address = buffer.address, length = buffer.length
        let both = RingLayout.packedAvail | RingLayout.packedUsed
        var flags = (buffer.deviceWritable ? RingLayout.write : 0)
            | (availWrap ? RingLayout.packedAvail : RingLayout.packedUsed)
        // The free-list head as an Int: the ID loaded for the next chain is then an index as
        // it is, with no zero-extension and shift between one load and the next.
        var freeID = Int(self.freeID), nextAvail = self.nextAvail, id = freeID
        var slot = orderFront &+ orderCount
        if slot >= Int(size) { slot &-= Int(size) }
        var done = 0
        while done < fits {
            // Up to the end of the ring in one run, so that the wrap is tested once per run
            // rather than per chain.
            let run = Swift.min(fits &- done, Int(size) &- Int(nextAvail))
            let runEnd = done &+ run
            var position = Int(nextAvail) &* 16
            while done < runEnd {
                id = freeID
                freeID = Int(nextFreeID[id])
                let d = ring.advanced(by: position)
                d.storeBytes(of: address.littleEndian, as: UInt64.self)
                d.storeBytes(of: length.littleEndian, toByteOffset: 8, as: UInt32.self)
                d.storeBytes(of: UInt16(truncatingIfNeeded: id).littleEndian, toByteOffset: 12, as: UInt16.self)
                tokenOfID[id] = firstToken &+ UInt32(truncatingIfNeeded: done)
                descriptorsOfID[id] = 1
                if inOrder {
                    order[slot] = UInt16(truncatingIfNeeded: id)
                    slot = slot &+ 1 == Int(size) ? 0 : slot &+ 1
                }
                GuestMemory.releaseFence()
                d.storeBytes(of: flags.littleEndian, toByteOffset: 14, as: UInt16.self)
                position &+= 16
                done &+= 1
            }
            nextAvail &+= UInt16(truncatingIfNeeded: run)
            if nextAvail == size { nextAvail = 0; flags ^= both }
        }
        self.freeID = UInt16(truncatingIfNeeded: freeID)
        freeCount &-= fits
        orderCount &+= fits
        self.nextAvail = nextAvail
        availWrap = flags & RingLayout.packedAvail != 0
        lastAdded = UInt16(truncatingIfNeeded: id)
        added &+= UInt32(truncatingIfNeeded: fits)
    }

    @inlinable @inline(always)
    static func step(_ position: inout UInt16, _ wrap: inout Bool, size: UInt16) {
        position &+= 1
        if position == size { position = 0; wrap.toggle() }
    }

    @inlinable @inline(always)
    static func write(_ ring: UnsafeMutableRawPointer, _ position: UInt16, address: UInt64, length: UInt32, id: UInt16) {
        let d = ring.advanced(by: Int(position) &* 16)
        d.storeBytes(of: address.littleEndian, as: UInt64.self)
        d.storeBytes(of: length.littleEndian, toByteOffset: 8, as: UInt32.self)
        d.storeBytes(of: id.littleEndian, toByteOffset: 12, as: UInt16.self)
    }

    /// Whether the device wants a notification for the descriptors added since the last call.
    @inlinable
    public func kickPrepare() -> Bool {
        GuestMemory.fullFence()
        let offWrap = load16(deviceEvent, 0), flags = load16(deviceEvent, 2) & 3
        let advanced = added
        added = 0
        if flags == RingLayout.eventFlagsDesc && eventIndex {
            return packedEventCrossed(offWrap: offWrap, new: nextAvail, wrap: availWrap, advanced: advanced, size: size)
        }
        return flags != RingLayout.eventFlagsDisable
    }

    /// The next buffer the device returned, nil when none is pending (or after a violation).
    @inlinable @inline(always)
    public func getBuf() -> UsedBuffer? {
        var buffer: UsedBuffer?
        _ = reclaim(max: 1) { buffer = $0 }
        return buffer
    }

    /// Hands `body` every used buffer pending now, up to `max`, in the order repeated `getBuf()`
    /// calls would return them; returns how many. Each one is taken as Linux's
    /// `virtqueue_get_buf` takes it (flags checked against the used wrap counter, read barrier,
    /// ID checked, the event offset written with a full barrier when DESC is set); the driver's
    /// own state is held in locals for the batch, so `body` must not call back into the driver.
    @inlinable @inline(always)
    public func reclaim(max: Int = .max, _ body: (UsedBuffer) -> Void) -> Int {
        // When as many descriptors as buffers are in flight, every buffer in flight holds one
        // descriptor, and stays so while buffers are only taken back: the next used position is
        // then the current one plus 1, known before the ID is loaded. Otherwise each step waits
        // for two dependent loads (the ID, then its descriptor count); the two bodies make that
        // a choice per call rather than a conditional move on the loaded count per buffer.
        // IN_ORDER is passed the same way, so that a loop never tests it per buffer.
        let single = Int(size) &- freeCount == orderCount
        if inOrder {
            return single ? reclaim(max: max, singleDescriptors: true, inOrder: true, body)
                : reclaim(max: max, singleDescriptors: false, inOrder: true, body)
        }
        guard single else { return reclaim(max: max, singleDescriptors: false, inOrder: false, body) }
        // The common case also gets a loop per event setting, tested once rather than per buffer.
        return eventFlagsShadow == RingLayout.eventFlagsDesc
            ? reclaim(max: max, singleDescriptors: true, inOrder: false, writeEvent: true, body)
            : reclaim(max: max, singleDescriptors: true, inOrder: false, writeEvent: false, body)
    }

    @inlinable @inline(always)
    func reclaim(max: Int, singleDescriptors: Bool, inOrder: Bool, _ body: (UsedBuffer) -> Void) -> Int {
        reclaim(max: max, singleDescriptors: singleDescriptors, inOrder: inOrder,
                writeEvent: eventFlagsShadow == RingLayout.eventFlagsDesc, body)
    }

    @inlinable @inline(always)
    func reclaim(max: Int, singleDescriptors: Bool, inOrder: Bool, writeEvent: Bool,
                 _ body: (UsedBuffer) -> Void) -> Int {
        if violation != nil { return 0 }
        let ring = self.ring, size = self.size, order = self.order, driverEvent = self.driverEvent
        let descriptorsOfID = self.descriptorsOfID, tokenOfID = self.tokenOfID, nextFreeID = self.nextFreeID
        let both = RingLayout.packedAvail | RingLayout.packedUsed
        // A descriptor is used when both its AVAIL and USED bits equal the used wrap counter:
        // carried as those two bits, so that the test is one compare and a wrap one xor.
        var lastUsed = self.lastUsed, usedBits = usedWrap ? both : 0, orderFront = self.orderFront
        // Each buffer taken back lowers the count in flight by one (and, with one descriptor
        // each, raises the free count by one): both follow from `n` after the loop, so the loop
        // carries two values fewer.
        let inFlight = self.orderCount
        var freeID = self.freeID, freeCount = self.freeCount
        // Only IN_ORDER expands a used descriptor into several buffers; without it none is pending.
        var pendingBatch = inOrder ? self.pendingBatch : nil
        var failure: String?
        var n = 0
        // At most what is in flight: one more used descriptor is then a violation, checked once
        // after the loop rather than per buffer.
        let bound = Swift.min(max, inFlight)
        // With one descriptor per buffer and no event to write after each, buffers are taken in
        // runs up to the end of the ring: the wrap is then tested once per run, not per buffer.
        let runs = singleDescriptors && !writeEvent
        reclaiming: while n < bound {
            let runEnd = runs ? Swift.min(bound, n &+ Int(size) &- Int(lastUsed)) : n &+ 1
            while n < runEnd {
                var id: UInt16, length: UInt32
                if inOrder, let batch = pendingBatch {
                    (id, length) = batch
                } else {
                    let element = Int(lastUsed) &* 16
                    guard load16(ring, element &+ 14) & both == usedBits else { break reclaiming }
                    GuestMemory.acquireFence()
                    id = load16(ring, element &+ 12)
                    length = UInt32(littleEndian: ring.loadUnaligned(fromByteOffset: element &+ 8, as: UInt32.self))
                    guard id < size, descriptorsOfID[Int(id)] != 0 else {
                        failure = "used buffer ID \(id) is not in flight"; break reclaiming
                    }
                }
                var returned = id
                if inOrder {
                    returned = order[orderFront]
                    pendingBatch = returned == id ? nil : (id, length)
                    if returned != id { length = 0 }
                    orderFront = orderFront &+ 1 == Int(size) ? 0 : orderFront &+ 1
                }
                if singleDescriptors {
                    lastUsed &+= 1
                    if !runs && lastUsed == size { lastUsed = 0; usedBits ^= both }
                } else {
                    var position = UInt32(lastUsed) &+ UInt32(descriptorsOfID[Int(returned)])
                    if position >= UInt32(size) { position &-= UInt32(size); usedBits ^= both }
                    lastUsed = UInt16(truncatingIfNeeded: position)
                }
                if writeEvent && (!inOrder || pendingBatch == nil) {
                    driverEvent.storeBytes(of: (lastUsed | (usedBits != 0 ? 0x8000 : 0)).littleEndian, as: UInt16.self)
                    GuestMemory.fullFence()
                }
                let token = Self.detach(returned, single: singleDescriptors, descriptorsOfID: descriptorsOfID,
                                        tokenOfID: tokenOfID, nextFreeID: nextFreeID, freeID: &freeID, freeCount: &freeCount)
                body(UsedBuffer(token: token, length: length))
                n &+= 1
            }
            if runs && lastUsed == size { lastUsed = 0; usedBits ^= both }
        }
        if failure == nil && n == inFlight && n < max {
            let element = Int(lastUsed) &* 16
            if inOrder && pendingBatch != nil {
                failure = "used descriptor with nothing in flight"
            } else if load16(ring, element &+ 14) & both == usedBits {
                // Nothing is in flight, so no ID is.
                failure = "used buffer ID \(load16(ring, element &+ 12)) is not in flight"
            }
        }
        self.lastUsed = lastUsed
        self.usedWrap = usedBits != 0
        self.orderFront = orderFront
        self.orderCount = inFlight &- n
        self.freeID = freeID
        self.freeCount = singleDescriptors ? freeCount &+ n : freeCount
        if inOrder { self.pendingBatch = pendingBatch }
        if let failure { fail(failure) }
        return n
    }

    @inlinable @inline(__always)
    func dropFront() {
        orderFront = (orderFront + 1) % Int(size)
    }

    @inlinable @inline(always)
    func detach(_ id: UInt16) -> UInt32 {
        Self.detach(id, single: false, descriptorsOfID: descriptorsOfID, tokenOfID: tokenOfID, nextFreeID: nextFreeID,
                    freeID: &freeID, freeCount: &freeCount)
    }

    /// Frees `id` and returns its token; `single` when its chain is known to hold one descriptor,
    /// in which case the caller adds the one freed descriptor to `freeCount` itself.
    @inlinable @inline(always)
    static func detach(_ id: UInt16, single: Bool, descriptorsOfID: UnsafeMutablePointer<UInt16>,
                       tokenOfID: UnsafeMutablePointer<UInt32>, nextFreeID: UnsafeMutablePointer<UInt16>,
                       freeID: inout UInt16, freeCount: inout Int) -> UInt32 {
        if !single { freeCount &+= Int(descriptorsOfID[Int(id)]) }
        descriptorsOfID[Int(id)] = 0
        nextFreeID[Int(id)] = freeID
        freeID = id
        return tokenOfID[Int(id)]
    }

    /// Suppresses used-buffer interrupts (driver event flags DISABLE).
    public func disableCallbacks() {
        eventFlagsShadow = RingLayout.eventFlagsDisable
        driverEvent.storeBytes(of: eventFlagsShadow.littleEndian, toByteOffset: 2, as: UInt16.self)
    }

    /// Re-enables interrupts for the next used buffer (DESC at the next used position with
    /// EVENT_IDX, else ENABLE); true when used buffers are already pending.
    public func enableCallbacks() -> Bool {
        if eventIndex {
            driverEvent.storeBytes(of: (lastUsed | (usedWrap ? 0x8000 : 0)).littleEndian, as: UInt16.self)
            GuestMemory.releaseFence()
        }
        eventFlagsShadow = eventIndex ? RingLayout.eventFlagsDesc : RingLayout.eventFlagsEnable
        driverEvent.storeBytes(of: eventFlagsShadow.littleEndian, toByteOffset: 2, as: UInt16.self)
        GuestMemory.fullFence()
        return usedPending
    }

    /// Re-enables interrupts for when about three quarters of the descriptors in flight have
    /// been used, as Linux's `virtqueue_enable_cb_delayed`: with EVENT_IDX, DESC at that ring
    /// position, so a driver that sleeps until then is woken once for a batch; without it, the
    /// same as `enableCallbacks()`. True when used buffers are already pending.
    public func enableCallbacksDelayed() -> Bool {
        guard eventIndex else { return enableCallbacks() }
        var position = UInt32(lastUsed) + UInt32(Int(size) - freeDescriptors) * 3 / 4
        var wrap = usedWrap
        if position >= UInt32(size) { position -= UInt32(size); wrap.toggle() }
        driverEvent.storeBytes(of: (UInt16(position) | (wrap ? 0x8000 : 0)).littleEndian, as: UInt16.self)
        GuestMemory.releaseFence()
        eventFlagsShadow = RingLayout.eventFlagsDesc
        driverEvent.storeBytes(of: eventFlagsShadow.littleEndian, toByteOffset: 2, as: UInt16.self)
        GuestMemory.fullFence()
        return usedPending
    }

    /// Whether a used buffer waits at the next used position.
    var usedPending: Bool {
        if pendingBatch != nil { return true }
        let flags = load16(ring, Int(lastUsed) * 16 + 14)
        return (flags & RingLayout.packedAvail != 0) == usedWrap && (flags & RingLayout.packedUsed != 0) == usedWrap
    }

    /// Takes back every buffer still in flight (after a device reset), as `detach_unused_buf`.
    public func detachUnused() -> [UInt32] {
        var tokens: [UInt32] = []
        if inOrder {
            while orderCount > 0 {
                tokens.append(detach(order[orderFront]))
                dropFront()
                orderCount -= 1
            }
        } else {
            for id in 0..<size where descriptorsOfID[Int(id)] != 0 { tokens.append(detach(id)) }
            orderCount = 0
        }
        pendingBatch = nil
        return tokens
    }

    /// Buffers added and not yet returned.
    public var inFlight: Int { orderCount }
}
