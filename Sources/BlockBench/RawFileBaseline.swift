import Machine
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The backend file's own speed for a workload: positioned reads or writes straight on the
/// file descriptor, from `threads` threads (one per request the device keeps in flight at
/// most), over as many buffers as the device has requests in flight (the same memory
/// footprint, so neither side gets a cache advantage). What the device is compared against.
enum RawFileBaseline {
    struct Measurement {
        var operations: UInt64
        var seconds: Double
    }

    static func measure(path: String, fileSize: Int, workload: BlockBenchCase.Workload, threads: Int, depth: Int,
                        seconds: Double) throws(BlockBenchError) -> Measurement {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        let operations = Atomic<UInt64>(0)
        let failures = Atomic<Int32>(0)
        let size = workload.requestSize
        let blocks = fileSize / size
        let start = BlockBenchClock.now()
        let deadline = start + UInt64(seconds * 1e9)
        var running: [HostThread] = []
        for t in 0..<threads {
            running.append(HostThread {
                let count = max(1, depth / max(threads, 1))
                let buffers = UnsafeMutableRawPointer.allocate(byteCount: size * count, alignment: 4096)
                defer { buffers.deallocate() }
                buffers.initializeMemory(as: UInt8.self, repeating: 0xA5, count: size * count)
                var slot = 0
                var rng = SplitMix64(seed: UInt64(t + 1))
                var next = (blocks / max(threads, 1)) * t
                var done: UInt64 = 0
                while BlockBenchClock.now() < deadline {
                    for _ in 0..<16 {
                        let block = workload.isSequential ? next % blocks : Int(rng.next() % UInt64(blocks))
                        next &+= 1
                        let offset = off_t(block * size)
                        let buffer = buffers + slot * size
                        slot = slot + 1 == count ? 0 : slot + 1
                        let n = workload.isWrite ? pwrite(fd, buffer, size, offset) : pread(fd, buffer, size, offset)
                        if n != size { failures.store(errno == 0 ? EIO : errno, ordering: .relaxed) }
                        done &+= 1
                    }
                }
                operations.add(done, ordering: .relaxed)
            })
        }
        for thread in running { thread.join() }
        let elapsed = Double(BlockBenchClock.now() - start) / 1e9
        let failure = failures.load(ordering: .relaxed)
        guard failure == 0 else { throw .ioFailed(path: path, errno: failure) }
        return Measurement(operations: operations.load(ordering: .relaxed), seconds: elapsed)
    }
}

enum BlockBenchClock {
    static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }
}

