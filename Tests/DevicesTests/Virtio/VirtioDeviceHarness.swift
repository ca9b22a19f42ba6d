import Glibc
import Machine
import Synchronization
import Virtio
import VirtioDriver

/// Records what a device asks its transport to signal.
final class RecordingInterrupts: VirtioInterrupts, @unchecked Sendable {
    private let state = Mutex<(used: [Int], configChanges: Int, needsReset: Int)>(([], 0, 0))

    func usedBuffers(queue: Int) { state.withLock { $0.used.append(queue) } }
    func configChanged() { state.withLock { $0.configChanges += 1 } }
    func deviceNeedsReset() { state.withLock { $0.needsReset += 1 } }

    var usedInterrupts: Int { state.withLock { $0.used.count } }
    var needsReset: Int { state.withLock { $0.needsReset } }
}

/// The transport features a device test runs under: ring format, EVENT_IDX, INDIRECT_DESC.
struct TransportFeatures: Sendable, CustomStringConvertible {
    var packed: Bool
    var eventIndex: Bool
    var indirect: Bool

    var bits: UInt64 {
        var f = VirtioFeature.version1
        if packed { f |= VirtioFeature.ringPacked }
        if eventIndex { f |= VirtioFeature.eventIndex }
        if indirect { f |= VirtioFeature.indirectDescriptors }
        return f
    }

    var description: String {
        var parts = [packed ? "packed" : "split"]
        if eventIndex { parts.append("event-idx") }
        if indirect { parts.append("indirect") }
        return parts.joined(separator: "+")
    }

    /// Both ring formats, each without and with EVENT_IDX and INDIRECT_DESC.
    static let matrix: [TransportFeatures] = [false, true].flatMap { packed in
        [TransportFeatures(packed: packed, eventIndex: false, indirect: false),
         TransportFeatures(packed: packed, eventIndex: true, indirect: true),
         TransportFeatures(packed: packed, eventIndex: true, indirect: false),
         TransportFeatures(packed: packed, eventIndex: false, indirect: true)]
    }
}

/// Plays transport and guest driver for one `VirtioDevice` in tests: negotiates features,
/// lays out each queue with `GuestDriver`, activates the device, then submits chains, kicks
/// as the driver model decides, and waits for the device (which works on its own thread) to
/// return them. The same tests can later run behind the real MMIO and PCI transports.
final class VirtioDeviceHarness {
    static let ramBase: UInt64 = 0x8000_0000
    static let ramSize: UInt64 = 32 << 20
    /// Rings: 64 KiB per queue from the start of RAM; data buffers from 1 MiB.
    static let dataBase: UInt64 = ramBase + (1 << 20)

    let memory: GuestMemory
    let device: any VirtioDevice
    let interrupts = RecordingInterrupts()
    let features: UInt64
    private var drivers: [GuestDriver]
    private var nextData = dataBase
    private var nextToken: UInt32 = 1

    init(device: any VirtioDevice, transport: TransportFeatures, queueSize: UInt16 = 64) throws {
        memory = try GuestMemory(base: Self.ramBase, size: Self.ramSize)
        self.device = device
        features = transport.bits | device.deviceFeatures
        guard device.accepts(features: features) else { throw HarnessError.featuresRefused }
        drivers = []
        var queues: [Virtqueue?] = []
        for (i, maxSize) in device.queueMaxSizes.enumerated() {
            let driver = try GuestDriver(memory: memory, size: min(queueSize, maxSize), features: features,
                                         base: Self.ramBase + UInt64(i) * 0x1_0000)
            drivers.append(driver)
            queues.append(try driver.queueConfig.activate(memory: memory))
        }
        device.activate(VirtioActivation(features: features, queues: queues, memory: memory, interrupts: interrupts))
    }

    /// Places `bytes` in guest RAM; returns the buffer's address.
    func place(_ bytes: [UInt8]) throws -> UInt64 {
        let address = try allocate(bytes.count)
        try memory.write(bytes, at: address)
        return address
    }

    /// A fresh zeroed guest buffer of `count` bytes.
    func allocate(_ count: Int) throws -> UInt64 {
        let address = nextData
        let end = address + UInt64(max(count, 1) + 15) & ~15
        guard end <= Self.ramBase + Self.ramSize else { throw HarnessError.outOfGuestMemory }
        try memory.write([UInt8](repeating: 0, count: count), at: address)
        nextData = end
        return address
    }

    /// Forgets every data buffer (call when nothing is in flight).
    func recycleData() { nextData = Self.dataBase }

    /// Adds one chain of `buffers` on `queue` and kicks if the driver model says so; returns
    /// the token it was added with.
    func submit(queue: Int, _ buffers: [GuestBuffer]) throws -> UInt32 {
        let token = nextToken
        nextToken &+= 1
        let added = buffers.withUnsafeBufferPointer { drivers[queue].add($0, token: token) }
        guard added else { throw HarnessError.ringFull }
        if drivers[queue].kickPrepare() { device.notify(queue: queue) }
        return token
    }

    /// Waits (up to `seconds`) for the device to return the next used buffer on `queue`.
    func waitUsed(queue: Int, seconds: Double = 10) throws -> UsedBuffer {
        let deadline = Self.now() + seconds
        while Self.now() < deadline {
            if let used = drivers[queue].getBuf() { return used }
            if let violation = drivers[queue].violation { throw HarnessError.deviceViolation(violation) }
            usleep(50)
        }
        throw HarnessError.timeout
    }

    /// Sends `readable` as one chain (split into `segments` buffers) with `writable` bytes of
    /// room (split the same way) and returns what the device wrote there.
    func transact(queue: Int, readable: [UInt8], writable: Int, segments: Int = 1) throws -> [UInt8] {
        recycleData()
        var buffers: [GuestBuffer] = []
        for part in Self.split(readable.count, into: segments) {
            let bytes = Array(readable[part])
            buffers.append(GuestBuffer(address: try place(bytes), length: UInt32(bytes.count), deviceWritable: false))
        }
        var out: [(UInt64, Int)] = []
        for part in Self.split(writable, into: segments) {
            let address = try allocate(part.count)
            out.append((address, part.count))
            buffers.append(GuestBuffer(address: address, length: UInt32(part.count), deviceWritable: true))
        }
        let token = try submit(queue: queue, buffers)
        let used = try waitUsed(queue: queue)
        guard used.token == token else { throw HarnessError.wrongToken }
        var result: [UInt8] = []
        for (address, count) in out { result += try memory.bytes(at: address, count: count) }
        guard Int(used.length) <= result.count else { throw HarnessError.deviceViolation("written length past the buffers") }
        return Array(result[0..<Int(used.length)])
    }

    private static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let n = max(1, min(parts, count))
        let step = (count + n - 1) / n
        return stride(from: 0, to: count, by: step).map { $0..<min($0 + step, count) }
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

enum HarnessError: Error {
    case featuresRefused, outOfGuestMemory, ringFull, timeout, wrongToken
    case deviceViolation(String)
}
