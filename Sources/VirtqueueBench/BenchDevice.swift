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
    @inline(__always)
    mutating func serve() -> Int {
        var count = 0
        while count < capacity {
            let popped: DescriptorChain?
            do { popped = try queue.pop() } catch { errors &+= 1; break }
            guard var chain = popped else { break }
            var written: UInt32 = 0
            do {
                while let d = try chain.next() {
                    if d.isDeviceWritable { written &+= d.length }
                }
            } catch {
                errors &+= 1
            }
            if inOrder {
                complete(chain.token, written: written)
            } else {
                (held + count).initialize(to: chain.token)
                heldWritten[count] = written
            }
            count &+= 1
        }
        if !inOrder {
            var i = count
            while i > 0 {
                i &-= 1
                complete(held[i], written: heldWritten[i])
            }
        }
        if !perChain && count > 0 && queue.needsInterrupt() { interrupts &+= 1 }
        return count
    }

    @inline(__always)
    mutating func complete(_ token: UsedToken, written: UInt32) {
        do { try queue.push(token, written: written) } catch { errors &+= 1 }
        if perChain && queue.needsInterrupt() { interrupts &+= 1 }
    }
}
