import Machine

/// The in-order serve loop of a split ring (see `Virtqueue.serveInOrder`) with every ring index
/// in a local variable of its own, for the reason `PackedRing.serveInOrderFast` gives: only the
/// avail position, the driver's avail idx as last read and the count are carried from chain to
/// chain. With no chain in flight at the start, the used idx equals the avail position before
/// each chain (one used entry per chain popped). The chains in flight end where they started,
/// and the pop sequence moves once per batch.
extension SplitRing {
    /// Whether `serveInOrderFast` serves this ring as pop-and-push would: no chain in flight,
    /// nothing staged, and no IN_ORDER used-entry merging to track.
    @inlinable var servesFast: Bool { !inOrder && staged == 0 && inFlight == 0 }

    /// `Virtqueue.serveInOrder` for a ring where `servesFast` holds.
    @inlinable @inline(always)
    mutating func serveInOrderFast(limit: Int, decisionPerChain: Bool, _ serve: (inout DescriptorChain) -> UInt32,
                                   _ interrupt: () -> Void) throws(VirtqueueError) -> Int {
        let avail = self.avail, used = self.used, descriptors = self.descriptors, size = self.size, ram = self.ram
        let mask = self.mask, indirect = self.indirect, eventIndex = self.eventIndex
        let usedEventOffset = self.usedEventOffset, availEventOffset = self.availEventOffset
        let announce = eventIndex && notificationsEnabled
        let firstSequence = sequence
        var lastAvail = self.lastAvail, availShadow = self.availShadow
        var unsignalled = self.unsignalled
        var count = 0
        var failure: VirtqueueError?
        while count < limit {
            if lastAvail == availShadow {
                let index = RingMemory.load16(avail, 2)
                if index == lastAvail { break }
                guard index &- lastAvail <= size else { failure = .availIndexTooFarAhead; break }
                availShadow = index
                GuestMemory.acquireFence()
            }
            let head = RingMemory.load16(avail, 4 &+ 2 &* (Int(lastAvail) & mask))
            guard head < size else { failure = .headIndexOutOfRange; break }
            lastAvail &+= 1
            if announce { RingMemory.store16(used, availEventOffset, lastAvail) }
            count &+= 1
            var chain = DescriptorChain(head: head, sequence: firstSequence &+ UInt32(truncatingIfNeeded: count), ram: ram,
                                        table: descriptors, tableCount: UInt32(size), start: UInt32(head),
                                        steps: UInt32(size), packed: false, indirectAllowed: indirect)
            let written = serve(&chain)
            RingMemory.store64(used, 4 &+ 8 &* (Int(lastAvail &- 1) & mask), UInt64(head) | UInt64(written) << 32)
            unsignalled &+= 1
            if decisionPerChain {
                GuestMemory.releaseFence()
                RingMemory.store16(used, 2, lastAvail)
                GuestMemory.fullFence()
                if Self.interruptWanted(avail: avail, usedEventOffset: usedEventOffset, eventIndex: eventIndex,
                                        usedIndex: lastAvail, published: unsignalled) {
                    interrupt()
                }
                unsignalled = 0
            }
        }
        self.lastAvail = lastAvail
        self.availShadow = availShadow
        usedIndex = lastAvail
        sequence = firstSequence &+ UInt32(truncatingIfNeeded: count)
        self.unsignalled = unsignalled
        if !decisionPerChain && count > 0 {
            // One store of used idx makes the batch visible (what `publish()` does).
            GuestMemory.releaseFence()
            RingMemory.store16(used, 2, lastAvail)
            if needsInterrupt() { interrupt() }
        }
        if let failure { throw failure }
        return count
    }
}
