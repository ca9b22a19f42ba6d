import Machine

/// Device-side state of a packed virtqueue (virtio 1.2 §2.8): one descriptor ring that the
/// driver and the device both write, tracked with wrap counters, plus the two event
/// suppression structures.
///
/// A chain occupies consecutive ring descriptors and is named by the buffer ID in its last
/// descriptor. The device remembers, per buffer ID, how many descriptors the chain took: the
/// driver skips that many when it reads the used descriptor, so the device must advance its used
/// position by the same count. A buffer ID outside the queue or already in flight breaks the
/// queue; this also bounds the chains in flight by the queue size.
public struct PackedRing {
    @usableFromInline let ram: RAMWindow
    @usableFromInline let ring: UnsafeMutableRawPointer
    /// Driver event suppression (the driver writes it; it governs interrupts).
    @usableFromInline let driverEvent: UnsafeMutableRawPointer
    /// Device event suppression (the device writes it; it governs notifications).
    @usableFromInline let deviceEvent: UnsafeMutableRawPointer
    /// Per buffer ID: descriptors its chain occupies; 0 when the ID is not in flight.
    @usableFromInline let slotsOfID: UnsafeMutablePointer<UInt16>
    @usableFromInline let size: UInt16
    @usableFromInline let eventIndex: Bool
    @usableFromInline let inOrder: Bool
    @usableFromInline let indirect: Bool

    @usableFromInline var nextAvail: UInt16 = 0
    @usableFromInline var availWrap = true
    @usableFromInline var nextUsed: UInt16 = 0
    @usableFromInline var usedWrap = true
    /// Used descriptors written in the current batch; the first one's flags wait for
    /// `publish()`, so the driver sees the batch at once.
    @usableFromInline var staged: UInt16 = 0
    @usableFromInline var batchStart: UInt16 = 0
    @usableFromInline var batchStartFlags: UInt16 = 0
    /// The last staged descriptor, tracked only with IN_ORDER (a successor may replace it).
    @usableFromInline var lastStaged: UInt16 = 0
    @usableFromInline var lastStagedFlags: UInt16 = 0
    @usableFromInline var lastStagedSequence: UInt32 = 0
    @usableFromInline var lastStagedEmpty = false
    /// Ring positions the used side advanced in the current batch / since the last decision.
    @usableFromInline var stagedAdvance: UInt32 = 0
    @usableFromInline var unsignalled: UInt32 = 0
    @usableFromInline var inFlight: UInt32 = 0
    @usableFromInline var sequence: UInt32 = 0
    @usableFromInline var notificationsEnabled = true

    init(memory: GuestMemory, ring: UnsafeMutableRawPointer, driverEvent: UnsafeMutableRawPointer,
         deviceEvent: UnsafeMutableRawPointer, slotsOfID: UnsafeMutablePointer<UInt16>, size: UInt16, features: UInt64) {
        ram = RAMWindow(memory)
        self.ring = ring
        self.driverEvent = driverEvent
        self.deviceEvent = deviceEvent
        self.slotsOfID = slotsOfID
        self.size = size
        eventIndex = features & VirtioFeature.eventIndex != 0
        inOrder = features & VirtioFeature.inOrder != 0
        indirect = features & VirtioFeature.indirectDescriptors != 0
    }

    @inlinable @inline(always)
    func flagsOffset(_ position: UInt16) -> Int { Int(position) &* 16 &+ RingLayout.packedFlagsOffset }

    @inlinable @inline(always)
    var availableBits: UInt16 { availWrap ? RingLayout.packedAvail : RingLayout.packedUsed }

    /// The next available chain, nil when the descriptor at the avail position is not available.
    /// Throws only *broken* errors: a chain running around the whole ring, or a buffer ID out of
    /// range or already in flight.
    @inlinable @inline(always)
    mutating func pop() throws(VirtqueueError) -> DescriptorChain? {
        let bits = RingLayout.packedAvail | RingLayout.packedUsed
        var flags = RingMemory.load16(ring, flagsOffset(nextAvail))
        guard flags & bits == availableBits else { return nil }
        GuestMemory.acquireFence()
        let head = nextAvail
        var last = head
        var count: UInt16 = 1
        while flags & RingLayout.next != 0 {
            guard count < size else { throw .chainTooLongInRing }
            last = last &+ 1 == size ? 0 : last &+ 1
            flags = RingMemory.load16(ring, flagsOffset(last))
            count &+= 1
        }
        let id = RingMemory.load16(ring, Int(last) &* 16 &+ RingLayout.packedIDOffset)
        guard id < size else { throw .bufferIDOutOfRange }
        guard slotsOfID[Int(id)] == 0 else { throw .bufferIDInFlight }
        slotsOfID[Int(id)] = count
        let advanced = UInt32(nextAvail) &+ UInt32(count)
        if advanced >= UInt32(size) {
            nextAvail = UInt16(truncatingIfNeeded: advanced &- UInt32(size))
            availWrap.toggle()
        } else {
            nextAvail = UInt16(truncatingIfNeeded: advanced)
        }
        if eventIndex && notificationsEnabled { RingMemory.store16(deviceEvent, 0, offWrap(nextAvail, availWrap)) }
        inFlight &+= 1
        sequence &+= 1
        return DescriptorChain(head: id, sequence: sequence, ram: ram, table: ring,
                               tableCount: UInt32(size), start: UInt32(head), steps: UInt32(count),
                               packed: true, indirectAllowed: indirect)
    }

    @inlinable @inline(always)
    func offWrap(_ position: UInt16, _ wrap: Bool) -> UInt16 { position | (wrap ? 0x8000 : 0) }

    /// Writes the used descriptor of `chain`. Its flags are stored now unless it opens the batch:
    /// the driver reads used descriptors in ring order from the batch's first, whose flags
    /// `publish()` stores last, so it sees the whole batch at once. With IN_ORDER, a chain
    /// completed right after its predecessor replaces the predecessor's used descriptor when
    /// that one reported no bytes written: the driver then takes the whole run as used
    /// (§2.8.9 "in-order").
    @inlinable @inline(always)
    mutating func push(_ chain: UsedToken, written: UInt32) throws(VirtqueueError) {
        let id = chain.head
        guard id < size, chain.isPacked else { throw .notInFlight }
        guard slotsOfID[Int(id)] != 0 else { throw .notInFlight }
        stage(id: id, sequence: chain.sequence, written: written)
    }

    /// `push` for a chain this ring's `pop()` returned, which is known to be in flight.
    @inlinable @inline(always)
    mutating func pushPopped(_ chain: borrowing DescriptorChain, written: UInt32) {
        stage(id: chain.head, sequence: chain.sequence, written: written)
    }

    @inlinable @inline(always)
    mutating func stage(id: UInt16, sequence: UInt32, written: UInt32) {
        let slots = slotsOfID[Int(id)]
        slotsOfID[Int(id)] = 0
        inFlight &-= 1
        let writeBit = written > 0 ? RingLayout.write : 0
        let position: UInt16, flags: UInt16
        if inOrder, staged > 0, lastStagedEmpty, sequence == lastStagedSequence &+ 1 {
            position = lastStaged
            flags = lastStagedFlags & ~RingLayout.write | writeBit
        } else {
            position = nextUsed
            flags = (usedWrap ? RingLayout.packedAvail | RingLayout.packedUsed : 0) | writeBit
            staged &+= 1
        }
        let element = Int(position) &* 16
        RingMemory.store32(ring, element &+ 8, written)
        RingMemory.store16(ring, element &+ RingLayout.packedIDOffset, id)
        if staged == 1 {
            batchStart = position
            batchStartFlags = flags
        } else {
            RingMemory.store16(ring, element &+ RingLayout.packedFlagsOffset, flags)
        }
        if inOrder {
            lastStaged = position
            lastStagedFlags = flags
            lastStagedSequence = sequence
            lastStagedEmpty = written == 0
        }
        let advanced = UInt32(nextUsed) &+ UInt32(slots)
        if advanced >= UInt32(size) {
            nextUsed = UInt16(truncatingIfNeeded: advanced &- UInt32(size))
            usedWrap.toggle()
        } else {
            nextUsed = UInt16(truncatingIfNeeded: advanced)
        }
        stagedAdvance &+= UInt32(slots)
    }

    /// Makes the staged used descriptors visible: a release fence, then the flags of the batch's
    /// first descriptor (the others' flags are already stored).
    @inlinable @inline(always)
    mutating func publish() {
        guard staged > 0 else { return }
        GuestMemory.releaseFence()
        RingMemory.store16(ring, flagsOffset(batchStart), batchStartFlags)
        unsignalled &+= stagedAdvance
        stagedAdvance = 0
        staged = 0
    }

    /// Publishes, then whether the driver's event suppression structure asks for an interrupt
    /// for what was published since the last decision (§2.8.10).
    @inlinable @inline(always)
    mutating func needsInterrupt() -> Bool {
        publish()
        guard unsignalled > 0 else { return false }
        GuestMemory.fullFence()
        let need = Self.interruptWanted(driverEvent: driverEvent, eventIndex: eventIndex, used: nextUsed,
                                        usedWrap: usedWrap, advanced: unsignalled, size: size)
        unsignalled = 0
        return need
    }

    /// The driver's answer, read after the full fence, for a used position that moved by
    /// `advanced` since the last decision.
    @inlinable @inline(always)
    static func interruptWanted(driverEvent: UnsafeMutableRawPointer, eventIndex: Bool, used: UInt16, usedWrap: Bool,
                                advanced: UInt32, size: UInt16) -> Bool {
        let flags = RingMemory.load16(driverEvent, 2) & 3
        if flags == RingLayout.eventFlagsDisable { return false }
        if flags == RingLayout.eventFlagsDesc && eventIndex {
            return packedEventCrossed(offWrap: RingMemory.load16(driverEvent, 0), new: used, wrap: usedWrap,
                                      advanced: advanced, size: size)
        }
        // ENABLE, and the reserved value 3 or DESC without EVENT_IDX, which are read as ENABLE.
        return true
    }

    /// Asks the driver not to notify (device event flags DISABLE).
    @inlinable
    mutating func disableNotifications() {
        notificationsEnabled = false
        RingMemory.store16(deviceEvent, 2, RingLayout.eventFlagsDisable)
    }

    /// Asks the driver to notify on its next addition (ENABLE, or DESC at the avail position with
    /// EVENT_IDX); returns whether a chain is already available.
    @inlinable
    mutating func enableNotifications() -> Bool {
        notificationsEnabled = true
        if eventIndex {
            RingMemory.store16(deviceEvent, 0, offWrap(nextAvail, availWrap))
            RingMemory.store16(deviceEvent, 2, RingLayout.eventFlagsDesc)
        } else {
            RingMemory.store16(deviceEvent, 2, RingLayout.eventFlagsEnable)
        }
        GuestMemory.fullFence()
        let bits = RingLayout.packedAvail | RingLayout.packedUsed
        return RingMemory.load16(ring, flagsOffset(nextAvail)) & bits == availableBits
    }
}
