import Machine
import Virtio

/// The driver side of a split virtqueue (virtio 1.2 §2.7), written to behave as Linux's
/// `virtio_ring.c` does: a free list of descriptors, indirect tables for multi-buffer chains
/// when negotiated, kick decisions from VIRTQ_USED_F_NO_NOTIFY or avail_event, callback
/// suppression through VIRTQ_AVAIL_F_NO_INTERRUPT or used_event, and reclaim of used buffers.
///
/// Test support and benchmark load generator: it trusts nothing the device writes and records
/// the first protocol violation in `violation` instead of trapping.
public final class SplitDriver {
    @usableFromInline let desc: UnsafeMutableRawPointer
    @usableFromInline let avail: UnsafeMutableRawPointer
    @usableFromInline let used: UnsafeMutableRawPointer
    @usableFromInline let indirectTables: UnsafeMutableRawPointer
    @usableFromInline let indirectBase: UInt64
    public let layout: DriverLayout
    public let size: UInt16
    public let features: UInt64
    @usableFromInline let eventIndex: Bool
    @usableFromInline let indirect: Bool
    @usableFromInline let inOrder: Bool

    /// Linux's `desc_extra[].next`: the free list, and the order of a chain's descriptors.
    @usableFromInline let nextFree: UnsafeMutablePointer<UInt16>
    /// Per head: the token, and descriptors held (0 when the head is not in flight).
    @usableFromInline let tokenOfHead: UnsafeMutablePointer<UInt32>
    @usableFromInline let descriptorsOfHead: UnsafeMutablePointer<UInt16>
    /// With IN_ORDER, heads in the order they were added (to expand batched used entries).
    @usableFromInline let order: UnsafeMutablePointer<UInt16>
    @usableFromInline var orderFront = 0, orderCount = 0
    @usableFromInline var freeHead: UInt16 = 0
    @usableFromInline var freeCount: Int
    public var freeDescriptors: Int { freeCount }
    @usableFromInline var availIndex: UInt16 = 0
    @usableFromInline var added: UInt16 = 0
    @usableFromInline var lastUsed: UInt16 = 0
    @usableFromInline var callbacksDisabled = false
    /// An IN_ORDER used entry being expanded into the buffers it covers.
    @usableFromInline var pendingBatch: (head: UInt16, length: UInt32)?
    public private(set) var violation: String?
    /// The descriptor index (split) or buffer ID (packed) the last `add` used: what the device
    /// reports back as the chain's `head`.
    @usableFromInline var lastAdded: UInt16 = 0
    public var lastHead: UInt16 { lastAdded }

    public init(memory: GuestMemory, layout: DriverLayout, size: UInt16, features: UInt64) throws(MemoryError) {
        let n = Int(size)
        desc = try memory.slice(at: layout.descriptorArea, length: UInt64(16 * n)).baseAddress!
        avail = try memory.slice(at: layout.driverArea, length: UInt64(6 + 2 * n)).baseAddress!
        used = try memory.slice(at: layout.deviceArea, length: UInt64(6 + 8 * n)).baseAddress!
        indirectTables = try memory.slice(at: layout.indirectArea, length: UInt64(n * layout.maxSegments * 16)).baseAddress!
        indirectBase = layout.indirectArea
        self.layout = layout
        self.size = size
        self.features = features
        eventIndex = features & VirtioFeature.eventIndex != 0
        indirect = features & VirtioFeature.indirectDescriptors != 0
        inOrder = features & VirtioFeature.inOrder != 0
        nextFree = .allocate(capacity: n)
        tokenOfHead = .allocate(capacity: n)
        descriptorsOfHead = .allocate(capacity: n)
        order = .allocate(capacity: n)
        for i in 0..<n { nextFree[i] = UInt16(truncatingIfNeeded: i + 1) }
        tokenOfHead.initialize(repeating: 0, count: n)
        descriptorsOfHead.initialize(repeating: 0, count: n)
        order.initialize(repeating: 0, count: n)
        freeCount = n
        // The driver zeroes the rings before it hands them to the device.
        desc.initializeMemory(as: UInt8.self, repeating: 0, count: 16 * n)
        avail.initializeMemory(as: UInt8.self, repeating: 0, count: 6 + 2 * n)
        used.initializeMemory(as: UInt8.self, repeating: 0, count: 6 + 8 * n)
    }

    deinit {
        nextFree.deallocate(); tokenOfHead.deallocate(); descriptorsOfHead.deallocate(); order.deallocate()
    }

    @usableFromInline
    func fail(_ why: String) { if violation == nil { violation = why } }

    /// Adds one chain; false when there are not enough free descriptors.
    @inlinable @inline(always)
    public func add(_ buffers: UnsafeBufferPointer<GuestBuffer>, token: UInt32) -> Bool {
        add(buffers, count: 1, firstToken: token) == 1
    }

    /// Adds up to `count` chains of the same buffers, with tokens `firstToken`, `firstToken + 1`
    /// ...; returns how many fitted. Each chain is added as Linux's `virtqueue_add` does it (its
    /// descriptors, its avail entry, a write barrier, then the avail idx): the driver's own state
    /// is only held in locals for the batch, since a store into the rings could otherwise alias
    /// this object's fields and force every one of them to be reloaded.
    @inlinable @inline(always)
    public func add(_ buffers: UnsafeBufferPointer<GuestBuffer>, count: Int, firstToken: UInt32) -> Int {
        let n = buffers.count
        let maxSegments = layout.maxSegments
        precondition(n > 0 && n <= maxSegments, "a chain needs 1...maxSegments buffers")
        if n == 1 { return addSingle(buffers[0], count: count, firstToken: firstToken) }
        let mask = Int(size) &- 1
        let desc = self.desc, avail = self.avail, nextFree = self.nextFree, order = self.order
        let tokenOfHead = self.tokenOfHead, descriptorsOfHead = self.descriptorsOfHead
        let indirect = self.indirect, inOrder = self.inOrder
        var freeHead = self.freeHead, freeCount = self.freeCount, availIndex = self.availIndex
        var orderCount = self.orderCount, lastAdded = self.lastAdded
        var done = 0
        while done < count {
            let useIndirect = indirect && n > 1 && freeCount > 0
            let needed = useIndirect ? 1 : n
            guard freeCount >= needed else { break }
            let head = freeHead
            var last = head
            if useIndirect {
                let table = indirectTables.advanced(by: Int(head) &* maxSegments &* 16)
                for k in 0..<n {
                    let b = buffers[k]
                    let d = table.advanced(by: k &* 16)
                    let flags = (b.deviceWritable ? RingLayout.write : 0) | (k < n &- 1 ? RingLayout.next : 0)
                    d.storeBytes(of: b.address.littleEndian, as: UInt64.self)
                    d.storeBytes(of: b.length.littleEndian, toByteOffset: 8, as: UInt32.self)
                    d.storeBytes(of: flags.littleEndian, toByteOffset: 12, as: UInt16.self)
                    d.storeBytes(of: UInt16(truncatingIfNeeded: k &+ 1).littleEndian, toByteOffset: 14, as: UInt16.self)
                }
                Self.write(desc, head, address: indirectBase &+ UInt64(Int(head) &* maxSegments &* 16),
                           length: UInt32(truncatingIfNeeded: n &* 16), flags: RingLayout.indirect, next: 0)
            } else {
                var i = head
                for k in 0..<n {
                    let b = buffers[k]
                    let flags = (b.deviceWritable ? RingLayout.write : 0) | (k < n &- 1 ? RingLayout.next : 0)
                    let next = nextFree[Int(i)]
                    Self.write(desc, i, address: b.address, length: b.length, flags: flags, next: next)
                    last = i
                    i = next
                }
            }
            freeHead = nextFree[Int(last)]
            freeCount &-= needed
            tokenOfHead[Int(head)] = firstToken &+ UInt32(truncatingIfNeeded: done)
            descriptorsOfHead[Int(head)] = UInt16(truncatingIfNeeded: needed)
            if inOrder { order[(orderFront &+ orderCount) & mask] = head }
            orderCount &+= 1
            avail.storeBytes(of: head.littleEndian, toByteOffset: 4 &+ 2 &* (Int(availIndex) & mask), as: UInt16.self)
            GuestMemory.releaseFence()
            availIndex &+= 1
            avail.storeBytes(of: availIndex.littleEndian, toByteOffset: 2, as: UInt16.self)
            lastAdded = head
            done &+= 1
        }
        self.freeHead = freeHead
        self.freeCount = freeCount
        self.availIndex = availIndex
        self.orderCount = orderCount
        self.lastAdded = lastAdded
        added &+= UInt16(truncatingIfNeeded: done)
        return done
    }

    /// `add(_:count:firstToken:)` for chains of one buffer: one descriptor each, never indirect,
    /// so how many fit is known before the loop, and the loop carries only the free-list head and
    /// the avail idx (fewer values than registers).
    @inlinable @inline(always)
    func addSingle(_ buffer: GuestBuffer, count: Int, firstToken: UInt32) -> Int {
        let fits = min(count, freeCount)
        guard fits > 0 else { return 0 }
        let mask = Int(size) &- 1
        let desc = self.desc, avail = self.avail, nextFree = self.nextFree, order = self.order
        let tokenOfHead = self.tokenOfHead, descriptorsOfHead = self.descriptorsOfHead, inOrder = self.inOrder
        let address = buffer.address, length = buffer.length
        let flags = buffer.deviceWritable ? RingLayout.write : 0
        var freeHead = self.freeHead, availIndex = self.availIndex, head = freeHead
        let orderStart = orderFront &+ orderCount
        for done in 0..<fits {
            head = freeHead
            freeHead = nextFree[Int(head)]
            Self.write(desc, head, address: address, length: length, flags: flags, next: freeHead)
            tokenOfHead[Int(head)] = firstToken &+ UInt32(truncatingIfNeeded: done)
            descriptorsOfHead[Int(head)] = 1
            if inOrder { order[(orderStart &+ done) & mask] = head }
            avail.storeBytes(of: head.littleEndian, toByteOffset: 4 &+ 2 &* (Int(availIndex) & mask), as: UInt16.self)
            GuestMemory.releaseFence()
            availIndex &+= 1
            avail.storeBytes(of: availIndex.littleEndian, toByteOffset: 2, as: UInt16.self)
        }
        self.freeHead = freeHead
        freeCount &-= fits
        orderCount &+= fits
        self.availIndex = availIndex
        lastAdded = head
        added &+= UInt16(truncatingIfNeeded: fits)
        return fits
    }

    @inlinable @inline(always)
    static func write(_ desc: UnsafeMutableRawPointer, _ i: UInt16, address: UInt64, length: UInt32, flags: UInt16,
                      next: UInt16) {
        let d = desc.advanced(by: Int(i) &* 16)
        d.storeBytes(of: address.littleEndian, as: UInt64.self)
        d.storeBytes(of: length.littleEndian, toByteOffset: 8, as: UInt32.self)
        d.storeBytes(of: flags.littleEndian, toByteOffset: 12, as: UInt16.self)
        d.storeBytes(of: next.littleEndian, toByteOffset: 14, as: UInt16.self)
    }

    @inlinable
    func load16(_ p: UnsafeMutableRawPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// Whether the device wants a notification for what was added since the last call.
    @inlinable
    public func kickPrepare() -> Bool {
        GuestMemory.fullFence()
        let new = availIndex, old = availIndex &- added
        added = 0
        if eventIndex {
            return eventIndexCrossed(event: load16(used, 4 + 8 * Int(size)), new: new, old: old)
        }
        return load16(used, 0) & RingLayout.usedNoNotify == 0
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
    /// `virtqueue_get_buf` takes it (used idx read, read barrier, entry checked, used_event
    /// written with a full barrier under EVENT_IDX); the driver's own state is held in locals for
    /// the batch, so `body` must not call back into the driver.
    @inlinable @inline(always)
    public func reclaim(max: Int = .max, _ body: (UsedBuffer) -> Void) -> Int {
        // Passed as a parameter, so that the loop never tests it per buffer.
        inOrder ? reclaim(max: max, inOrder: true, body) : reclaim(max: max, inOrder: false, body)
    }

    @inlinable @inline(always)
    func reclaim(max: Int, inOrder: Bool, _ body: (UsedBuffer) -> Void) -> Int {
        if violation != nil { return 0 }
        let mask = Int(size) &- 1, used = self.used, avail = self.avail, order = self.order
        let writeEvent = eventIndex && !callbacksDisabled, usedEventOffset = 4 &+ 2 &* Int(size)
        let descriptorsOfHead = self.descriptorsOfHead, tokenOfHead = self.tokenOfHead, nextFree = self.nextFree
        var lastUsed = self.lastUsed, orderFront = self.orderFront, orderCount = self.orderCount
        var freeHead = self.freeHead, freeCount = self.freeCount, pendingBatch = self.pendingBatch
        var failure: String?
        var n = 0
        while n < max {
            var head: UInt16, length: UInt32
            if let batch = pendingBatch {
                (head, length) = batch
            } else {
                guard lastUsed != load16(used, 2) else { break }
                GuestMemory.acquireFence()
                let element = used.advanced(by: 4 &+ 8 &* (Int(lastUsed) & mask))
                let id = UInt32(littleEndian: element.loadUnaligned(as: UInt32.self))
                length = UInt32(littleEndian: element.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
                guard id < UInt32(size), descriptorsOfHead[Int(id)] != 0 else {
                    failure = "used id \(id) is not in flight"; break
                }
                head = UInt16(id)
            }
            guard orderCount > 0 else { failure = "used entry with nothing in flight"; break }
            var returned = head
            if inOrder {
                // One used entry may stand for every chain up to and including `head`.
                returned = order[orderFront]
                pendingBatch = returned == head ? nil : (head, length)
                if returned != head { length = 0 }
                orderFront = (orderFront &+ 1) & mask
            } else {
                pendingBatch = nil
            }
            orderCount &-= 1
            if pendingBatch == nil {
                lastUsed &+= 1
                if writeEvent {
                    avail.storeBytes(of: lastUsed.littleEndian, toByteOffset: usedEventOffset, as: UInt16.self)
                    GuestMemory.fullFence()
                }
            }
            let token = Self.detach(returned, descriptorsOfHead: descriptorsOfHead, tokenOfHead: tokenOfHead,
                                    nextFree: nextFree, freeHead: &freeHead, freeCount: &freeCount)
            body(UsedBuffer(token: token, length: length))
            n &+= 1
        }
        self.lastUsed = lastUsed
        self.orderFront = orderFront
        self.orderCount = orderCount
        self.freeHead = freeHead
        self.freeCount = freeCount
        self.pendingBatch = pendingBatch
        if let failure { fail(failure) }
        return n
    }

    @inlinable @inline(__always)
    func dropFront() {
        orderFront = (orderFront + 1) % Int(size)
    }

    /// Returns a chain's descriptors to the free list and its token.
    @inlinable @inline(always)
    func detach(_ head: UInt16) -> UInt32 {
        Self.detach(head, descriptorsOfHead: descriptorsOfHead, tokenOfHead: tokenOfHead, nextFree: nextFree,
                    freeHead: &freeHead, freeCount: &freeCount)
    }

    @inlinable @inline(always)
    static func detach(_ head: UInt16, descriptorsOfHead: UnsafeMutablePointer<UInt16>,
                       tokenOfHead: UnsafeMutablePointer<UInt32>, nextFree: UnsafeMutablePointer<UInt16>,
                       freeHead: inout UInt16, freeCount: inout Int) -> UInt32 {
        let count = Int(descriptorsOfHead[Int(head)])
        var last = head
        var k = 1
        while k < count {
            last = nextFree[Int(last)]
            k &+= 1
        }
        nextFree[Int(last)] = freeHead
        freeHead = head
        freeCount &+= count
        descriptorsOfHead[Int(head)] = 0
        return tokenOfHead[Int(head)]
    }

    /// Suppresses used-buffer interrupts (VIRTQ_AVAIL_F_NO_INTERRUPT; with EVENT_IDX, used_event
    /// is moved half the index space away).
    public func disableCallbacks() {
        callbacksDisabled = true
        if eventIndex {
            avail.storeBytes(of: (lastUsed &+ 0x8000).littleEndian, toByteOffset: 4 + 2 * Int(size), as: UInt16.self)
        } else {
            avail.storeBytes(of: RingLayout.availNoInterrupt.littleEndian, as: UInt16.self)
        }
    }

    /// Re-enables interrupts for the next used buffer; true when used buffers are already
    /// pending (the caller must reclaim them, as Linux's `virtqueue_enable_cb` reports).
    public func enableCallbacks() -> Bool {
        callbacksDisabled = false
        if eventIndex {
            avail.storeBytes(of: lastUsed.littleEndian, toByteOffset: 4 + 2 * Int(size), as: UInt16.self)
        } else {
            avail.storeBytes(of: UInt16(0), as: UInt16.self)
        }
        GuestMemory.fullFence()
        return usedPending
    }

    /// Re-enables interrupts for when about three quarters of the buffers in flight have been
    /// used, as Linux's `virtqueue_enable_cb_delayed`: with EVENT_IDX, used_event is set that far
    /// ahead, so a driver that sleeps until then is woken once for a batch; without it, the same
    /// as `enableCallbacks()`. True when used buffers are already pending (reclaim them first).
    /// With IN_ORDER too the same as `enableCallbacks()`: used_event counts used entries, and
    /// the device may return everything in flight in one entry, which a later event would miss.
    public func enableCallbacksDelayed() -> Bool {
        guard eventIndex, !inOrder else { return enableCallbacks() }
        callbacksDisabled = false
        let ahead = UInt16(truncatingIfNeeded: orderCount * 3 / 4)
        avail.storeBytes(of: (lastUsed &+ ahead).littleEndian, toByteOffset: 4 + 2 * Int(size), as: UInt16.self)
        GuestMemory.fullFence()
        return usedPending
    }

    var usedPending: Bool { pendingBatch != nil || load16(used, 2) != lastUsed }

    /// Takes back every chain still in flight (after a device reset), as `detach_unused_buf`.
    public func detachUnused() -> [UInt32] {
        var tokens: [UInt32] = []
        if inOrder {
            while orderCount > 0 {
                tokens.append(detach(order[orderFront]))
                dropFront()
                orderCount -= 1
            }
        } else {
            for head in 0..<size where descriptorsOfHead[Int(head)] != 0 { tokens.append(detach(head)) }
            orderCount = 0
        }
        pendingBatch = nil
        return tokens
    }

    /// Chains added and not yet returned.
    public var inFlight: Int { orderCount }
    /// The used_event value the driver last wrote (for notification oracles in tests).
    public var usedEvent: UInt16 { load16(avail, 4 + 2 * Int(size)) }
    public var interruptsSuppressedByFlag: Bool { load16(avail, 0) & RingLayout.availNoInterrupt != 0 }
}
