import Machine

/// The in-order serve loop of a packed ring (see `Virtqueue.serveInOrder`) with every ring
/// index in a local variable of its own.
///
/// Looping over `pop()` and `pushPopped` keeps about thirty values alive from one chain to the
/// next (the whole ring state, the chain, the walk), more than there are registers: the
/// compiler then stores and reloads several of them on every chain. Here only what a chain
/// changes is carried: the avail position, its wrap bit as the flag bits it stands for, and the
/// batch's count. With no chain in flight at the start, the used position and wrap counter equal
/// the avail ones before each chain (every chain so far gave back as many descriptors as it
/// took), so a chain's used descriptor goes where the chain began; and no buffer ID is in flight,
/// so none is checked against the per-ID descriptor counts, which a pop and the push right
/// after it would only set and clear. The pop sequence moves once per batch.
extension PackedRing {
    /// Whether `serveInOrderFast` serves this ring as pop-and-push would: no chain in flight,
    /// nothing staged, and no IN_ORDER used-descriptor merging to track.
    @inlinable var servesFast: Bool { !inOrder && staged == 0 && inFlight == 0 }

    /// `Virtqueue.serveInOrder` for a ring where `servesFast` holds.
    @inlinable @inline(always)
    mutating func serveInOrderFast(limit: Int, decisionPerChain: Bool, _ serve: (inout DescriptorChain) -> UInt32,
                                   _ interrupt: () -> Void) throws(VirtqueueError) -> Int {
        let ring = self.ring, size = self.size, ram = self.ram
        let indirect = self.indirect, eventIndex = self.eventIndex, driverEvent = self.driverEvent
        let deviceEvent = self.deviceEvent, announce = eventIndex && notificationsEnabled
        let both = RingLayout.packedAvail | RingLayout.packedUsed
        let firstSequence = sequence
        var availPosition = nextAvail
        /// The avail/used flag bits of an available descriptor in the current avail lap.
        var availBits = availWrap ? RingLayout.packedAvail : RingLayout.packedUsed
        let batchPosition = availPosition
        var batchFlags: UInt16 = 0
        // Per batch, what was published since the last decision follows from the positions at the
        // end; only the laps are counted on the way (on the rare wrap path).
        var laps: UInt32 = 0
        var unsignalled = self.unsignalled
        var count = 0
        var failure: VirtqueueError?
        serving: while count < limit {
            var flags = RingMemory.load16(ring, flagsOffset(availPosition))
            guard flags & both == availBits else { break }
            GuestMemory.acquireFence()
            let element = Int(availPosition) &* 16
            var descriptors: UInt16 = 1
            // A chain's used descriptor goes where the chain began, and its buffer ID is in its
            // last descriptor: for a chain of one descriptor the ID is already in place, and for a
            // longer one it is copied there now, so that no ID is kept across the walk (which
            // reads no ID field). Longer chains are marked unlikely: laid out of the way, a chain of
            // one descriptor reaches the walk without a taken jump.
            if _slowPath(flags & RingLayout.next != 0) {
                var last = availPosition
                repeat {
                    guard descriptors < size else { failure = .chainTooLongInRing; break serving }
                    last = last &+ 1 == size ? 0 : last &+ 1
                    flags = RingMemory.load16(ring, flagsOffset(last))
                    descriptors &+= 1
                } while flags & RingLayout.next != 0
                let id = RingMemory.load16(ring, Int(last) &* 16 &+ RingLayout.packedIDOffset)
                guard id < size else { failure = .bufferIDOutOfRange; break }
                RingMemory.store16(ring, element &+ RingLayout.packedIDOffset, id)
            }
            let id = RingMemory.load16(ring, element &+ RingLayout.packedIDOffset)
            // Likely, so that the failure is laid out of the loop's way.
            guard _fastPath(id < size) else { failure = .bufferIDOutOfRange; break }
            count &+= 1
            var chain = DescriptorChain(head: id, sequence: firstSequence &+ UInt32(truncatingIfNeeded: count), ram: ram,
                                        table: ring, tableCount: UInt32(size), start: UInt32(availPosition),
                                        steps: UInt32(descriptors), packed: true, indirectAllowed: indirect)
            let written = serve(&chain)
            RingMemory.store32(ring, element &+ 8, written)
            // The used bits of this lap are the avail bits with USED flipped; WRITE is set when
            // bytes were written, without a branch (the compiler had merged one into the wrap
            // test, a taken jump per chain): the top bit of `x | -x` is set exactly when x != 0.
            let writeBit = UInt16(truncatingIfNeeded: (written | (0 &- written)) &>> 31) &<< 1
            let usedFlags = (availBits ^ RingLayout.packedUsed) | writeBit
            var advanced = UInt32(availPosition) &+ UInt32(descriptors)
            // Unlikely (once a lap), so that the common case is a compare and a jump not taken rather
            // than the compiler's branch-free wrap (two selects, three compares, a counter in memory).
            if _slowPath(advanced >= UInt32(size)) { advanced &-= UInt32(size); availBits ^= both; laps &+= 1 }
            availPosition = UInt16(truncatingIfNeeded: advanced)
            if announce {
                // The wrap counter is 1 exactly when the lap's avail bits hold AVAIL (bit 7): moved
                // to bit 15 with a shift rather than compared and selected.
                let wrap = (availBits & RingLayout.packedAvail) &<< 8
                RingMemory.store16(deviceEvent, 0, availPosition | wrap)
            }
            if decisionPerChain {
                unsignalled &+= UInt32(descriptors)
                GuestMemory.releaseFence()
                RingMemory.store16(ring, element &+ RingLayout.packedFlagsOffset, usedFlags)
                GuestMemory.fullFence()
                if Self.interruptWanted(driverEvent: driverEvent, eventIndex: eventIndex, used: availPosition,
                                        usedWrap: availBits == RingLayout.packedAvail, advanced: unsignalled,
                                        size: size) {
                    interrupt()
                }
                unsignalled = 0
            } else if count == 1 {
                // The batch's first flags go last, so the driver sees the whole batch at once.
                batchFlags = usedFlags
            } else {
                RingMemory.store16(ring, element &+ RingLayout.packedFlagsOffset, usedFlags)
            }
        }
        nextAvail = availPosition
        availWrap = availBits == RingLayout.packedAvail
        nextUsed = availPosition
        usedWrap = availWrap
        sequence = firstSequence &+ UInt32(truncatingIfNeeded: count)
        if !decisionPerChain {
            unsignalled &+= laps &* UInt32(size) &+ UInt32(availPosition) &- UInt32(batchPosition)
        }
        self.unsignalled = unsignalled
        if !decisionPerChain && count > 0 {
            GuestMemory.releaseFence()
            RingMemory.store16(ring, flagsOffset(batchPosition), batchFlags)
            if needsInterrupt() { interrupt() }
        }
        if let failure { throw failure }
        return count
    }
}
