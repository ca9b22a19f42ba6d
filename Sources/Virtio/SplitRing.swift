import Machine

/// Device-side state of a split virtqueue (virtio 1.2 §2.7): a descriptor table, the available
/// ring the driver fills and the used ring the device fills.
///
/// The ring areas were validated at activation and are reached through cached host pointers;
/// every index read from them is checked before use. `Virtqueue` wraps this type so a device
/// never sees the format.
public struct SplitRing {
    @usableFromInline let ram: RAMWindow
    @usableFromInline let descriptors: UnsafeMutableRawPointer
    /// Available ring: flags +0, idx +2, ring +4, used_event after the ring.
    @usableFromInline let avail: UnsafeMutableRawPointer
    /// Used ring: flags +0, idx +2, ring of {id, len} +4, avail_event after the ring.
    @usableFromInline let used: UnsafeMutableRawPointer
    @usableFromInline let size: UInt16
    @usableFromInline let eventIndex: Bool
    @usableFromInline let inOrder: Bool
    @usableFromInline let indirect: Bool

    /// Free-running index of the next available ring entry to consume.
    @usableFromInline var lastAvail: UInt16 = 0
    /// The driver's avail idx as last read; entries up to it need no new read of idx.
    @usableFromInline var availShadow: UInt16 = 0
    /// The used idx as last published.
    @usableFromInline var usedIndex: UInt16 = 0
    /// Used entries written after `usedIndex` but not yet published.
    @usableFromInline var staged: UInt16 = 0
    /// Used entries published since the last interrupt decision.
    @usableFromInline var unsignalled: UInt32 = 0
    /// Chains popped and not yet pushed.
    @usableFromInline var inFlight: UInt32 = 0
    @usableFromInline var sequence: UInt32 = 0
    @usableFromInline var lastStagedSequence: UInt32 = 0
    @usableFromInline var lastStagedEmpty = false
    @usableFromInline var notificationsEnabled = true

    @inlinable var mask: Int { Int(size) &- 1 }
    @inlinable var usedEventOffset: Int { 4 &+ 2 &* Int(size) }
    @inlinable var availEventOffset: Int { 4 &+ 8 &* Int(size) }

    init(memory: GuestMemory, descriptors: UnsafeMutableRawPointer, avail: UnsafeMutableRawPointer,
         used: UnsafeMutableRawPointer, size: UInt16, features: UInt64) {
        ram = RAMWindow(memory)
        self.descriptors = descriptors
        self.avail = avail
        self.used = used
        self.size = size
        eventIndex = features & VirtioFeature.eventIndex != 0
        inOrder = features & VirtioFeature.inOrder != 0
        indirect = features & VirtioFeature.indirectDescriptors != 0
    }

    /// The next available chain, nil when the driver has made none available. Throws only
    /// *broken* errors: an avail idx more than `size` ahead, a head index out of range, or more
    /// chains than descriptors in flight.
    @inlinable @inline(always)
    mutating func pop() throws(VirtqueueError) -> DescriptorChain? {
        if lastAvail == availShadow {
            let index = RingMemory.load16(avail, 2)
            if index == lastAvail { return nil }
            guard index &- lastAvail <= size else { throw .availIndexTooFarAhead }
            availShadow = index
            GuestMemory.acquireFence()
        }
        guard inFlight < UInt32(size) else { throw .tooManyInFlight }
        let head = RingMemory.load16(avail, 4 &+ 2 &* (Int(lastAvail) & mask))
        guard head < size else { throw .headIndexOutOfRange }
        lastAvail &+= 1
        if eventIndex && notificationsEnabled { RingMemory.store16(used, availEventOffset, lastAvail) }
        inFlight &+= 1
        sequence &+= 1
        return DescriptorChain(head: head, sequence: sequence, ram: ram, table: descriptors,
                               tableCount: UInt32(size), start: UInt32(head), steps: UInt32(size),
                               packed: false, indirectAllowed: indirect)
    }

    /// Writes the used entry of `chain` (not yet visible to the driver). With IN_ORDER, a chain
    /// completed right after its predecessor replaces the predecessor's entry when that one
    /// reported no bytes written, so one entry covers the batch (§2.7.9 "in-order").
    @inlinable @inline(always)
    mutating func push(_ chain: UsedToken, written: UInt32) throws(VirtqueueError) {
        guard inFlight > 0, chain.head < size, !chain.isPacked else { throw .notInFlight }
        stage(head: chain.head, sequence: chain.sequence, written: written)
    }

    /// `push` for a chain this ring's `pop()` returned, which is known to be in flight.
    @inlinable @inline(always)
    mutating func pushPopped(_ chain: borrowing DescriptorChain, written: UInt32) {
        stage(head: chain.head, sequence: chain.sequence, written: written)
    }

    @inlinable @inline(always)
    mutating func stage(head: UInt16, sequence: UInt32, written: UInt32) {
        inFlight &-= 1
        let slot: UInt16
        if inOrder, staged > 0, lastStagedEmpty, sequence == lastStagedSequence &+ 1 {
            slot = usedIndex &+ staged &- 1
        } else {
            slot = usedIndex &+ staged
            staged &+= 1
        }
        RingMemory.store64(used, 4 &+ 8 &* (Int(slot) & mask), UInt64(head) | UInt64(written) << 32)
        if inOrder {
            lastStagedSequence = sequence
            lastStagedEmpty = written == 0
        }
    }

    /// Makes the staged used entries visible: release fence, then one store of used idx.
    @inlinable @inline(always)
    mutating func publish() {
        guard staged > 0 else { return }
        GuestMemory.releaseFence()
        usedIndex &+= staged
        RingMemory.store16(used, 2, usedIndex)
        unsignalled &+= UInt32(staged)
        staged = 0
    }

    /// Publishes, then whether the driver asked to be interrupted for what was published since
    /// the last decision (§2.7.7: VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with EVENT_IDX).
    @inlinable @inline(always)
    mutating func needsInterrupt() -> Bool {
        publish()
        guard unsignalled > 0 else { return false }
        GuestMemory.fullFence()
        let need = Self.interruptWanted(avail: avail, usedEventOffset: usedEventOffset, eventIndex: eventIndex,
                                        usedIndex: usedIndex, published: unsignalled)
        unsignalled = 0
        return need
    }

    /// The driver's answer, read after the full fence, for `published` used entries up to
    /// `usedIndex` since the last decision.
    @inlinable @inline(always)
    static func interruptWanted(avail: UnsafeMutableRawPointer, usedEventOffset: Int, eventIndex: Bool, usedIndex: UInt16,
                                published: UInt32) -> Bool {
        if eventIndex {
            let event = RingMemory.load16(avail, usedEventOffset)
            return published > UInt32(UInt16.max)
                || eventIndexCrossed(event: event, new: usedIndex, old: usedIndex &- UInt16(truncatingIfNeeded: published))
        }
        return RingMemory.load16(avail, 0) & RingLayout.availNoInterrupt == 0
    }

    /// Asks the driver not to notify (VIRTQ_USED_F_NO_NOTIFY; with EVENT_IDX avail_event simply
    /// stops following the consumed entries).
    @inlinable
    mutating func disableNotifications() {
        notificationsEnabled = false
        if !eventIndex { RingMemory.store16(used, 0, RingLayout.usedNoNotify) }
    }

    /// Asks the driver to notify on its next addition; returns whether chains are already
    /// available (the device must then keep popping, or it could sleep through them).
    @inlinable
    mutating func enableNotifications() -> Bool {
        notificationsEnabled = true
        if eventIndex {
            RingMemory.store16(used, availEventOffset, lastAvail)
        } else {
            RingMemory.store16(used, 0, 0)
        }
        GuestMemory.fullFence()
        return RingMemory.load16(avail, 2) != lastAvail
    }
}
