/// A device that completes every chain in pop order, on the thread that pops it, can hand the
/// whole pop -> walk -> push loop to the queue (virtio-rng, console transmit, the benchmark).
///
/// The loop is the one a device would write with `pop()`, `push(_:written:)` and
/// `needsInterrupt()`, with the same outcomes, but the ring state is copied into locals for the
/// batch and written back once. Stepping a queue held in a device's stored property reloads and
/// stores every ring index through memory on each chain (a store into guest RAM might alias it,
/// as far as the compiler can tell); a local whose address never escapes stays in registers.
/// Each ring also has a leaner loop of its own (`serveInOrderFast`) for the common case: no
/// IN_ORDER, and no chain in flight or pushed but unpublished when the loop starts.
extension Virtqueue {
    /// Pops up to `limit` available chains; `serve` walks each one and returns the bytes it
    /// wrote into the chain's writable buffers, and the chain is pushed with that length. The
    /// interrupt decision is taken after every chain when `decisionPerChain`, else once after
    /// the batch; `interrupt` is called each time it says yes. Returns the chains served.
    ///
    /// Throws what `pop()` throws: the queue is then broken; the chains served before the
    /// corruption was seen are still published, with the batch's decision when not per chain.
    ///
    /// Pass local functions marked `@inline(always)`: a closure expression holding a chain walk
    /// was left out of line (a call per chain, the chain passed through memory), and so was a
    /// generic protocol conformance's method.
    @inlinable @inline(always)
    public mutating func serveInOrder(limit: Int, decisionPerChain: Bool, _ serve: (inout DescriptorChain) -> UInt32,
                                      interrupt: () -> Void) throws(VirtqueueError) -> Int {
        if broken != nil { throw .queueBroken }
        do {
            if usesPacked {
                if packed.unsafelyUnwrapped.servesFast {
                    return try packed!.serveInOrderFast(limit: limit, decisionPerChain: decisionPerChain, serve, interrupt)
                }
                return try Self.servePacked(&packed, limit: limit, decisionPerChain: decisionPerChain, serve, interrupt)
            }
            if split.unsafelyUnwrapped.servesFast {
                return try split!.serveInOrderFast(limit: limit, decisionPerChain: decisionPerChain, serve, interrupt)
            }
            return try Self.serveSplit(&split, limit: limit, decisionPerChain: decisionPerChain, serve, interrupt)
        } catch {
            broken = error
            throw error
        }
    }

    /// The loop for a split ring. The two formats get a function each rather than one generic
    /// loop over a ring protocol: calls through a protocol conformance stayed calls.
    @inlinable @inline(always)
    static func serveSplit(_ state: inout SplitRing?, limit: Int, decisionPerChain: Bool,
                           _ serve: (inout DescriptorChain) -> UInt32, _ interrupt: () -> Void) throws(VirtqueueError) -> Int {
        var ring = state.unsafelyUnwrapped
        defer { state = ring }
        var count = 0
        defer { if !decisionPerChain && count > 0 && ring.needsInterrupt() { interrupt() } }
        while count < limit {
            guard var chain = try ring.pop() else { break }
            let written = serve(&chain)
            ring.pushPopped(chain, written: written)
            if decisionPerChain && ring.needsInterrupt() { interrupt() }
            count &+= 1
        }
        return count
    }

    /// `serveSplit` for a packed ring.
    @inlinable @inline(always)
    static func servePacked(_ state: inout PackedRing?, limit: Int, decisionPerChain: Bool,
                            _ serve: (inout DescriptorChain) -> UInt32, _ interrupt: () -> Void) throws(VirtqueueError) -> Int {
        var ring = state.unsafelyUnwrapped
        defer { state = ring }
        var count = 0
        defer { if !decisionPerChain && count > 0 && ring.needsInterrupt() { interrupt() } }
        while count < limit {
            guard var chain = try ring.pop() else { break }
            let written = serve(&chain)
            ring.pushPopped(chain, written: written)
            if decisionPerChain && ring.needsInterrupt() { interrupt() }
            count &+= 1
        }
        return count
    }
}
