import Machine
import Virtio
import VirtioDriver

/// The driver side of the benchmark: the Linux-like driver model adding pre-built chains
/// (one readable header buffer, then writable buffers) and reclaiming them.
struct BenchDriver {
    let driver: GuestDriver
    let buffers: UnsafeMutableBufferPointer<GuestBuffer>
    var kicks: UInt64 = 0
    var token: UInt32 = 0

    init(driver: GuestDriver, benchCase: BenchCase, dataBase: UInt64) {
        self.driver = driver
        buffers = .allocate(capacity: benchCase.chainLength)
        for k in 0..<benchCase.chainLength {
            buffers[k] = GuestBuffer(address: dataBase + UInt64(k) * 4096, length: k == 0 ? 64 : 1500,
                                     deviceWritable: k > 0)
        }
    }

    func release() { buffers.deallocate() }

    /// Adds up to `count` chains; returns how many fitted. Kicks once for them.
    @inline(__always)
    mutating func add(_ count: Int) -> Int {
        let added = driver.add(UnsafeBufferPointer(buffers), count: count, firstToken: token)
        token &+= UInt32(truncatingIfNeeded: added)
        if added > 0 && driver.kickPrepare() { kicks &+= 1 }
        return added
    }

    /// Reclaims every used buffer; returns how many.
    @inline(__always)
    func reclaim() -> Int {
        driver.reclaim { _ in }
    }
}

/// Guest RAM and one queue in the case's format and features, driver model and engine wired to
/// the same rings.
struct BenchSetup {
    static let ramBase: UInt64 = 0x8000_0000
    let memory: GuestMemory
    let driver: GuestDriver
    let queue: Virtqueue

    init(_ c: BenchCase) throws {
        memory = try GuestMemory(base: Self.ramBase, size: 64 << 20)
        driver = try GuestDriver(memory: memory, size: UInt16(c.queueSize), features: c.features,
                                 base: Self.ramBase, maxSegments: max(c.chainLength, 1))
        queue = try driver.queueConfig.activate(memory: memory)
    }

    var dataBase: UInt64 { Self.ramBase + (32 << 20) }
}
