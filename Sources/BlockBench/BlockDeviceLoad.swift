import Devices
import Machine
import Synchronization
import Virtio
import VirtioDriver
#if canImport(Glibc)
import Glibc
#endif

/// Counts the device's interrupts and wakes the load generator when it sleeps on one. An
/// interrupt costs the device one atomic increment, plus a wake-up only while the driver sleeps.
final class CountingInterrupts: VirtioInterrupts, @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let count = Atomic<UInt64>(0)
    /// Set (under the mutex) while the driver sleeps in `wait(beyond:)`.
    private let sleeping = Atomic<Bool>(false)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    func usedBuffers(queue: Int) {
        // Sequentially consistent on both sides: either this load sees `sleeping`, or the
        // sleeper's load of `count` sees the increment.
        count.add(1, ordering: .sequentiallyConsistent)
        guard sleeping.load(ordering: .sequentiallyConsistent) else { return }
        // Taking the mutex waits until the sleeper is inside pthread_cond_timedwait; signalling
        // after releasing it lets the woken driver run without blocking on the mutex at once.
        pthread_mutex_lock(mutex)
        pthread_mutex_unlock(mutex)
        pthread_cond_signal(condition)
    }

    func configChanged() {}
    func deviceNeedsReset() {}

    var used: UInt64 { count.load(ordering: .sequentiallyConsistent) }

    /// Sleeps until more than `seen` interrupts were sent (or 10 ms passed).
    func wait(beyond seen: UInt64) {
        pthread_mutex_lock(mutex)
        sleeping.store(true, ordering: .sequentiallyConsistent)
        if count.load(ordering: .sequentiallyConsistent) == seen {
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            deadline.tv_nsec += 10_000_000
            if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
            pthread_cond_timedwait(condition, mutex, &deadline)
        }
        sleeping.store(false, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
    }
}

/// Drives a `BlockDevice` over a raw file with the driver-side model and no CPU: `depth`
/// requests (header, one data buffer, status) kept in flight on one queue, each completion
/// replaced by the next request at once, for a fixed time. Like a guest driver under load, it
/// reaps and resubmits with interrupts off, polls the used ring briefly when it finds nothing,
/// and then sleeps until the device interrupts, asking (with EVENT_IDX) for one interrupt once
/// three quarters of the requests in flight are done rather than one per request.
enum BlockDeviceLoad {
    /// How long the driver keeps looking at the used ring (yielding the CPU between looks)
    /// after its last completion before it sleeps: longer than one request takes (a 1 MiB
    /// write, or a worker's wake-up on a busy host), since a sleeping driver pays a wake-up
    /// for each completion at depth 1 (4 KiB writes at depth 1 ran at half speed with 20 µs).
    static let pollNanoseconds: UInt64 = 1_000_000

    struct Measurement {
        var operations: UInt64
        var seconds: Double
        var interrupts: UInt64
        var kicks: UInt64
    }

    static func measure(_ c: BlockBenchCase, path: String, workers: Int, seconds: Double) throws(BlockBenchError) -> Measurement {
        let backend: RawFileBackend
        do { backend = try RawFileBackend(path: path, readOnly: false) } catch { throw .setup(error.description) }
        let device = BlockDevice(backend: backend, queues: 1, workersPerQueue: workers)
        let size = c.workload.requestSize
        let slotStride = UInt64(size + 8192)
        let ramBase: UInt64 = 0x8000_0000
        let ringBytes: UInt64 = 1 << 20
        let memory: GuestMemory
        do {
            memory = try GuestMemory(base: ramBase, size: ringBytes + UInt64(c.depth) * slotStride)
        } catch { throw .setup("guest memory: \(error)") }
        var features = VirtioFeature.version1 | VirtioFeature.eventIndex | device.deviceFeatures
        if c.format == .packed { features |= VirtioFeature.ringPacked }
        let driver: GuestDriver
        do {
            driver = try GuestDriver(memory: memory, size: BlockDevice<RawFileBackend>.queueSize, features: features,
                                     base: ramBase, maxSegments: 4)
            let queue = try driver.queueConfig.activate(memory: memory)
            let interrupts = CountingInterrupts()
            device.activate(VirtioActivation(features: features, queues: [queue], memory: memory, interrupts: interrupts))
            defer { device.reset() }
            return try run(c, driver: driver, device: device, memory: memory, dataBase: ramBase + ringBytes,
                           slotStride: slotStride, capacity: backend.capacity, seconds: seconds, interrupts: interrupts)
        } catch let error as BlockBenchError {
            throw error
        } catch {
            throw .setup("\(error)")
        }
    }

    private static func run(_ c: BlockBenchCase, driver: GuestDriver, device: BlockDevice<RawFileBackend>, memory: GuestMemory,
                            dataBase: UInt64, slotStride: UInt64, capacity: UInt64, seconds: Double,
                            interrupts: CountingInterrupts) throws(BlockBenchError) -> Measurement {
        let size = c.workload.requestSize
        let blocks = Int(capacity) / size
        let type: UInt32 = c.workload.isWrite ? 1 : 0
        var rng = SplitMix64(seed: 42)
        var sequential = 0
        var buffers = [GuestBuffer](repeating: GuestBuffer(address: 0, length: 0, deviceWritable: false), count: 3)
        let hosts = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: c.depth)
        defer { hosts.deallocate() }
        for s in 0..<c.depth {
            let base = dataBase + UInt64(s) * slotStride
            hosts[s] = memory.hostPointer(base, length: slotStride)!
            hosts[s].initializeMemory(as: UInt8.self, repeating: 0x5A, count: Int(slotStride))
        }
        var kicks: UInt64 = 0
        func submit(_ s: Int) {
            let block = c.workload.isSequential ? sequential % blocks : Int(rng.next() % UInt64(blocks))
            sequential &+= 1
            let base = dataBase + UInt64(s) * slotStride
            hosts[s].storeBytes(of: type.littleEndian, as: UInt32.self)
            hosts[s].storeBytes(of: UInt64(block * size / 512).littleEndian, toByteOffset: 8, as: UInt64.self)
            hosts[s].storeBytes(of: UInt8(0xFF), toByteOffset: 4096 + size, as: UInt8.self)
            buffers[0] = GuestBuffer(address: base, length: 16, deviceWritable: false)
            buffers[1] = GuestBuffer(address: base + 4096, length: UInt32(size), deviceWritable: !c.workload.isWrite)
            buffers[2] = GuestBuffer(address: base + 4096 + UInt64(size), length: 1, deviceWritable: true)
            let added = buffers.withUnsafeBufferPointer { driver.add($0, token: UInt32(s)) }
            precondition(added, "the queue holds every slot")
        }
        for s in 0..<c.depth { submit(s) }
        if driver.kickPrepare() { device.notify(queue: 0); kicks &+= 1 }
        var operations: UInt64 = 0
        var failure: UInt8 = 0
        let start = BlockBenchClock.now()
        let deadline = start + UInt64(seconds * 1e9)
        var stopping = false
        var outstanding = c.depth
        // Reaps with interrupts off, like a guest's completion handler; interrupts are asked
        // for only before sleeping.
        driver.disableCallbacks()
        var quietSince = start
        while outstanding > 0 {
            var got = 0
            while let used = driver.getBuf() {
                let s = Int(used.token)
                let status = hosts[s].load(fromByteOffset: 4096 + size, as: UInt8.self)
                if status != 0 { failure = status }
                operations &+= 1
                got &+= 1
                if stopping { outstanding -= 1 } else { submit(s) }
            }
            let now = BlockBenchClock.now()
            if !stopping, now >= deadline { stopping = true }
            if got > 0 {
                // Requests were resubmitted in the loop above (until `stopping`): kick for them.
                if driver.kickPrepare() { device.notify(queue: 0); kicks &+= 1 }
                quietSince = now
                continue
            }
            if now &- quietSince < pollNanoseconds {
                sched_yield()
                continue
            }
            let seen = interrupts.used
            if !driver.enableCallbacksDelayed() { interrupts.wait(beyond: seen) }
            driver.disableCallbacks()
        }
        let elapsed = Double(BlockBenchClock.now() - start) / 1e9
        guard failure == 0 else { throw .deviceError(status: failure, workload: c.workload.rawValue) }
        return Measurement(operations: operations, seconds: elapsed, interrupts: interrupts.used,
                           kicks: kicks)
    }
}
