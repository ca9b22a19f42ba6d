import Machine
import Virtio

/// The device side of the benchmark: pops every available chain, walks it, completes it in
/// order or in reverse order, and takes the interrupt decision per chain or per batch. It does
/// no I/O, so what it measures is the engine.
struct BenchDevice {
    var queue: Virtqueue
    let held: UnsafeMutablePointer<UsedToken>
    let heldWritten: UnsafeMutablePointer<UInt32>
    let capacity: Int
    let inOrder: Bool
    let perChain: Bool
    let benchCase: BenchCase
    var interrupts: UInt64 = 0
    var errors: UInt64 = 0

    init(queue: Virtqueue, benchCase: BenchCase) {
        self.queue = queue
        self.benchCase = benchCase
        capacity = benchCase.queueSize
        held = .allocate(capacity: capacity)
        heldWritten = .allocate(capacity: capacity)
        inOrder = benchCase.completion == .inOrder
        perChain = benchCase.decision == .perChain
    }

    func release() {
        held.deallocate()
        heldWritten.deallocate()
    }

    /// Serves everything available now; returns the chains completed.
    @inline(always)
    mutating func serve() -> Int {
        var tally = Tally()
        let count = inOrder
            ? Self.serveInOrder(&queue, limit: capacity, perChain: perChain, tally: &tally)
            : Self.serveOutOfOrder(&queue, held: held, heldWritten: heldWritten, limit: capacity, perChain: perChain,
                                   tally: &tally)
        interrupts &+= tally.interrupts
        errors &+= tally.errors
        return count
    }

    /// What one `serve()` counted.
    struct Tally {
        var interrupts: UInt64 = 0
        var errors: UInt64 = 0
    }

    /// Pops, walks and pushes each chain in turn, through the queue's own in-order loop (which
    /// holds the ring state in registers for the batch).
    @inline(never)
    static func serveInOrder(_ queue: inout Virtqueue, limit: Int, perChain: Bool, tally: inout Tally) -> Int {
        // Local functions rather than closure expressions: `@inline(always)` makes the walk part
        // of the loop instead of a call per chain.
        @inline(always) func serve(_ chain: inout DescriptorChain) -> UInt32 { walk(&chain, tally: &tally) }
        @inline(always) func interrupt() { tally.interrupts &+= 1 }
        do {
            return try queue.serveInOrder(limit: limit, decisionPerChain: perChain, serve, interrupt: interrupt)
        } catch {
            tally.errors &+= 1
            return 0
        }
    }

    /// Pops and walks every chain, then completes them in reverse order.
    @inline(never)
    static func serveOutOfOrder(_ queue: inout Virtqueue, held: UnsafeMutablePointer<UsedToken>,
                                heldWritten: UnsafeMutablePointer<UInt32>, limit: Int, perChain: Bool,
                                tally: inout Tally) -> Int {
        var count = 0
        while count < limit {
            let popped: DescriptorChain?
            do { popped = try queue.pop() } catch { tally.errors &+= 1; break }
            guard var chain = popped else { break }
            heldWritten[count] = walk(&chain, tally: &tally)
            (held + count).initialize(to: chain.token)
            count &+= 1
        }
        var i = count
        while i > 0 {
            i &-= 1
            do { try queue.push(held[i], written: heldWritten[i]) } catch { tally.errors &+= 1 }
            if perChain && queue.needsInterrupt() { tally.interrupts &+= 1 }
        }
        if !perChain && count > 0 && queue.needsInterrupt() { tally.interrupts &+= 1 }
        return count
    }

    /// Walks the whole chain; returns the bytes of its device-writable buffers.
    @inline(always)
    static func walk(_ chain: inout DescriptorChain, tally: inout Tally) -> UInt32 {
        var written: UInt32 = 0
        do {
            while let d = try chain.next() {
                if d.isDeviceWritable { written &+= d.length }
            }
        } catch {
            tally.errors &+= 1
        }
        return written
    }
}
