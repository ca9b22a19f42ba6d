import Machine

/// One chain of descriptors popped from a virtqueue: the device-readable buffers, then the
/// device-writable ones (virtio 1.2 §2.7.5 for split rings, §2.8.13 for packed rings, §2.7.5.3 /
/// §2.8.19 for indirect tables).
///
/// The chain is walked lazily and validated as it is walked: `next()` returns each buffer, nil
/// at the end of the chain, and throws on corruption (a *chain* error in `VirtqueueError`).
/// Every descriptor is read from guest memory exactly once, so a guest rewriting the table
/// during the walk cannot make the device see an unchecked descriptor. The walk is bounded by
/// the queue size (or the indirect table's length), each buffer must lie inside guest RAM, and
/// the lengths may add up to at most 4 GiB. Handing out a device-writable buffer drops any
/// translated guest code in it (`CodePageMap.noteWrite`), so code a guest loads by DMA runs fresh.
///
/// A chain is valid while the `Virtqueue` it came from is alive (it points into that queue's
/// guest memory without holding it). A device never branches on the ring format: the same
/// value describes both. Whatever the
/// outcome of the walk, the device completes the chain once with `Virtqueue.push(_:written:)`;
/// after a chain error it does so with its own error status or a written length of 0.
///
/// On a packed ring the descriptors live in the ring itself, and every completion writes a used
/// descriptor over ring slots from the device's used position on. A device that completes out of
/// order (several requests in flight, other threads completing them) must therefore finish
/// walking a chain — taking its buffers' addresses and lengths — before it completes any chain
/// popped after it; otherwise a completion may overwrite descriptors not yet read. The devices
/// here walk each chain right after `pop()`, under the same lock as their pushes (virtio-blk's
/// workers), or pop, walk and push on one thread.
public struct DescriptorChain {
    /// The chain's identity on the ring: the head descriptor index for a split ring, the buffer
    /// ID for a packed ring. It is what the used entry reports back to the driver.
    public let head: UInt16
    /// Pop order on this queue (wraps), used to batch in-order completions.
    @usableFromInline let sequence: UInt32
    /// Guest RAM, with its first bank cached for the common case.
    @usableFromInline let ram: RAMWindow
    /// The descriptor table being walked: the ring's table, or an indirect table.
    @usableFromInline var table: UnsafeRawPointer
    /// Entries in `table`; a split `next` index must be below it.
    @usableFromInline var tableCount: UInt32
    /// The entry to read next.
    @usableFromInline var index: UInt32
    /// Steps left before the walk is declared too long (packed ring: descriptors left).
    @usableFromInline var remaining: UInt32
    /// The ring format and whether INDIRECT_DESC was negotiated: fixed for the chain's life and
    /// held apart from `state`, so that the walk's branches on them fold away once inlined.
    @usableFromInline let isPacked: Bool
    @usableFromInline let indirectAllowed: Bool
    @usableFromInline var state: State
    /// Sum of the lengths returned so far.
    @usableFromInline var totalLength: UInt32
    /// What `read(into:)` and `write(_:)` have not consumed of the current buffer.
    @usableFromInline var cursor: UnsafeMutableRawPointer?
    @usableFromInline var cursorLeft: UInt32
    @usableFromInline var cursorWritable: Bool

    @usableFromInline
    struct State: OptionSet, Sendable {
        @usableFromInline var rawValue: UInt8
        @inlinable init(rawValue: UInt8) { self.rawValue = rawValue }
        // Computed rather than stored: a stored static goes through a lazy-initialisation check.
        @inlinable static var inIndirect: State { State(rawValue: 1) }
        @inlinable static var sawWritable: State { State(rawValue: 2) }
        @inlinable static var finished: State { State(rawValue: 4) }
    }

    /// The largest indirect table walked (entries), whatever the queue size.
    @inlinable static var maxIndirectEntries: UInt32 { 32768 }

    @inlinable
    init(head: UInt16, sequence: UInt32, ram: RAMWindow, table: UnsafeRawPointer, tableCount: UInt32,
         start: UInt32, steps: UInt32, packed: Bool, indirectAllowed: Bool) {
        self.head = head
        self.sequence = sequence
        self.ram = ram
        self.table = table
        self.tableCount = tableCount
        self.index = start
        self.remaining = steps
        self.isPacked = packed
        self.indirectAllowed = indirectAllowed
        // Not `[]`: the array-literal initialiser can leave a release of the empty array
        // storage in the caller's loop, once per chain, when the optimiser gives up early.
        self.state = State(rawValue: 0)
        self.totalLength = 0
        self.cursor = nil
        self.cursorLeft = 0
        self.cursorWritable = false
    }

    /// The next buffer of the chain, nil after the last one; throws a chain error on corruption,
    /// after which the chain yields nothing more.
    @inlinable @inline(always)
    public mutating func next() throws(VirtqueueError) -> Descriptor? {
        if state.contains(.finished) { return nil }
        do {
            return try walk()
        } catch {
            state.insert(.finished)
            throw error
        }
    }

    @inlinable @inline(always)
    mutating func walk() throws(VirtqueueError) -> Descriptor? {
        // At most two rounds: the second one only after entering an indirect table, and an
        // indirect descriptor inside that table is an error.
        for _ in 0..<2 {
            // A packed walk finishes by count, so only a split NEXT link can exhaust this.
            guard remaining > 0 else { throw .chainTooLong }
            remaining &-= 1
            guard index < tableCount else { throw .descriptorIndexOutOfRange }
            let d = table.advanced(by: Int(index) &* 16)
            let address = UInt64(littleEndian: d.loadUnaligned(as: UInt64.self))
            let length = UInt32(littleEndian: d.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
            let flags = UInt16(littleEndian: d.loadUnaligned(fromByteOffset: isPacked ? 14 : 12, as: UInt16.self))
            let splitNext = UInt16(littleEndian: d.loadUnaligned(fromByteOffset: 14, as: UInt16.self))

            if flags & RingLayout.indirect != 0 {
                let entries = length / 16
                table = UnsafeRawPointer(try Self.indirectTable(ram: ram, address: address, length: length, flags: flags,
                                                                isPacked: isPacked, indirectAllowed: indirectAllowed,
                                                                state: state, remaining: remaining))
                tableCount = entries
                index = 0
                remaining = entries
                state.insert(.inIndirect)
                continue
            }
            let writable = flags & RingLayout.write != 0
            if writable {
                state.insert(.sawWritable)
            } else if state.contains(.sawWritable) {
                throw .readableAfterWritable
            }
            // One add and a carry test; the 4 GiB cap is where 32 bits overflow.
            let (sum, overflow) = totalLength.addingReportingOverflow(length)
            guard !overflow else { throw .chainTooLarge }
            totalLength = sum
            // The walk moves on before the buffer is checked (a failed check ends the chain all the
            // same), so that the flags are not kept across the calls of the uncommon cases.
            advance(flags: flags, splitNext: splitNext)
            guard let host = ram.hostPointer(address, length: UInt64(length)) else { throw .bufferOutsideRAM }
            if writable { ram.noteDeviceWrite(address, length: length) }
            return Descriptor(address: address, length: length, isDeviceWritable: writable, host: host)
        }
        throw .nestedIndirect
    }

    /// Moves to the entry after the one just read, or marks the end of the chain.
    @inlinable @inline(always)
    mutating func advance(flags: UInt16, splitNext: UInt16) {
        if isPacked {
            // Packed: the ring part is walked for the descriptor count found by `pop()`, an
            // indirect table for its length; the NEXT flag is not consulted again.
            if remaining == 0 {
                state.insert(.finished)
            } else {
                index &+= 1
                if index == tableCount, !state.contains(.inIndirect) { index = 0 }
            }
        } else if flags & RingLayout.next != 0 {
            index = UInt32(splitNext)
        } else {
            state.insert(.finished)
        }
    }

    /// Checks the indirect table a descriptor points at and returns its host address; the walk
    /// then switches to it. Static and given plain values, so that the chain itself never has its
    /// address taken and stays in registers on the common path.
    @inlinable @inline(never)
    static func indirectTable(ram: RAMWindow, address: UInt64, length: UInt32, flags: UInt16, isPacked: Bool,
                              indirectAllowed: Bool, state: State,
                              remaining: UInt32) throws(VirtqueueError) -> UnsafeMutableRawPointer {
        guard indirectAllowed else { throw .indirectNotNegotiated }
        guard !state.contains(.inIndirect) else { throw .nestedIndirect }
        // Split: an indirect descriptor ends its chain. Packed: it is the chain's only descriptor.
        guard flags & RingLayout.next == 0, !(isPacked && remaining != 0) else {
            throw .indirectWithNext
        }
        guard length != 0, length % 16 == 0, length / 16 <= Self.maxIndirectEntries else {
            throw .invalidIndirectTableLength
        }
        guard let host = ram.hostPointer(address, length: UInt64(length)) else { throw .bufferOutsideRAM }
        return host
    }

    /// Bytes in the buffers returned so far.
    @inlinable public var bytesWalked: UInt64 { UInt64(totalLength) }
}
