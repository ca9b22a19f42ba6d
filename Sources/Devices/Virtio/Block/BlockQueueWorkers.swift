import Machine
import Virtio
#if canImport(Glibc)
import Glibc
#endif

/// The I/O workers of one virtio-blk request queue: a few host threads that pop requests,
/// serve them against the backend and complete them as each one finishes, so several requests
/// are in flight at once and a slow one does not hold back the others.
///
/// The `Virtqueue` is guarded by `signal`'s lock; a worker holds it only to pop or to push, never
/// during I/O. Notification protocol: a worker that finds the ring empty re-enables driver
/// notifications, checks once more, and sleeps until `notify()`; a worker woken by a kick
/// disables notifications while it drains the ring, and the last one to go idle enables them
/// again, so no request is ever left unseen. A worker that pops a second request in a row while
/// another sleeps wakes it, so a burst spreads over all workers while a single request in
/// flight costs no extra wake-up. Before it sleeps, one worker at a time polls the ring for a
/// while (adaptive polling, as QEMU's): a driver that submits the next request right after a
/// completion then finds it served without a notification or a wake-up, which at depth 1 costs
/// about a third of a 1 MiB read from the page cache. The poll window adapts
/// (`AdaptivePollWindow`), so a quiet queue soon stops taking CPU from the vCPU.
final class BlockQueueWorkers<Backend: BlockBackend>: @unchecked Sendable {
    private let signal = WorkerSignal()
    // Guarded by `signal`.
    private var queue: Virtqueue
    private var kicked = false
    private var stopping = false
    private var idle = 0
    private var polling = false
    private var pollWindow: AdaptivePollWindow
    private var reportedBroken = false
    private var threads: [HostThread] = []

    private let index: Int
    private let server: BlockRequestServer<Backend>
    private let interrupts: any VirtioInterrupts
    private let segmentCapacity: Int

    init(queue: Virtqueue, index: Int, server: BlockRequestServer<Backend>, interrupts: any VirtioInterrupts,
         segmentCapacity: Int, pollLimit: UInt64) {
        pollWindow = AdaptivePollWindow(limit: pollLimit)
        self.queue = queue
        self.index = index
        self.server = server
        self.interrupts = interrupts
        self.segmentCapacity = segmentCapacity
    }

    /// Starts `count` workers.
    func start(count: Int) {
        signal.lock()
        for _ in 0..<max(count, 1) { threads.append(HostThread { [self] in run() }) }
        signal.unlock()
    }

    /// The driver notified this queue (called on the vCPU thread; never blocks for I/O).
    func notify() {
        signal.lock()
        kicked = true
        if idle > 0 { signal.signal() }
        signal.unlock()
    }

    /// Stops every worker after its current request and waits for them to exit.
    func stop() {
        signal.lock()
        stopping = true
        signal.broadcast()
        let running = threads
        threads = []
        signal.unlock()
        for thread in running { thread.join() }
    }

    // Pre-specialized for the two backends xemu has: the device is created with a concrete
    // backend in other modules and activated through `any VirtioDevice`, so this loop would
    // otherwise run as unspecialized generic code, looking up `BlockRequestServer<Backend>`'s
    // metadata and calling the backend through its witness table for every request.
    @_specialize(where Backend == DriveBackend)
    @_specialize(where Backend == RawFileBackend)
    private func run() {
        let request = BlockRequest(capacity: segmentCapacity)
        var streak = 0
        signal.lock()
        defer { signal.unlock() }
        while !stopping {
            if queue.brokenReason != nil {
                // The ring itself is corrupt: the queue is dead until the driver resets.
                if !reportedBroken {
                    reportedBroken = true
                    signal.unlock()
                    interrupts.deviceNeedsReset()
                    signal.lock()
                }
                streak = 0
                sleep()
                continue
            }
            var popped: DescriptorChain?
            do { popped = try queue.pop() } catch { continue }
            // The worker that may poll is the one that adapts the window after it sleeps.
            let pollster = popped == nil && pollWindow.limit > 0 && !polling
            if pollster, pollWindow.nanoseconds > 0 { popped = poll() }
            guard var chain = popped else {
                if queue.brokenReason != nil { continue }
                if queue.enableNotifications() { continue }
                streak = 0
                let asleep = sleep()
                if pollster { pollWindow.update(asleep: asleep) }
                if !stopping { queue.disableNotifications() }
                continue
            }
            streak &+= 1
            if streak > 1 && idle > 0 && !kicked {
                kicked = true
                signal.signal()
            }
            // The chain is walked before the lock is released: on a packed ring another
            // worker's completion writes its used element over ring slots, which may be the
            // slots of a chain popped but not yet walked.
            let token = chain.token
            let loaded = request.load(&chain)
            signal.unlock()
            let written: UInt32
            if loaded {
                written = server.serve(request)
            } else {
                server.metrics.badChains.add(1, ordering: .relaxed)
                written = 0
            }
            signal.lock()
            // Cannot fail: the token was popped from this queue and is pushed once.
            try? queue.push(token, written: written)
            if queue.needsInterrupt() {
                signal.unlock()
                interrupts.usedBuffers(queue: index)
                signal.lock()
            }
        }
    }

    /// Polls the ring (lock held on entry and exit, released between attempts) until a chain
    /// is available, the queue breaks, `stop()` is called or the poll time is over.
    private func poll() -> DescriptorChain? {
        polling = true
        defer { polling = false }
        let deadline = Self.now() &+ pollWindow.nanoseconds
        while !stopping {
            signal.unlock()
            let expired = Self.now() >= deadline
            signal.lock()
            do {
                if let chain = try queue.pop() { return chain }
            } catch {
                return nil
            }
            if expired { return nil }
        }
        return nil
    }

    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }

    /// Waits (lock held) for a kick or for `stop()`; the nanoseconds it slept.
    @discardableResult
    private func sleep() -> UInt64 {
        let start = Self.now()
        idle += 1
        while !kicked && !stopping { signal.wait() }
        idle -= 1
        kicked = false
        return Self.now() &- start
    }
}
