import Machine
import Synchronization
import Testing
import Virtio
import VirtioDriver
#if canImport(Glibc)
import Glibc
#endif

/// The ring format and transport features a harness negotiates.
struct HarnessOptions: Sendable, CustomTestStringConvertible {
    var packed: Bool
    var eventIndex: Bool
    var indirect: Bool

    /// Both formats, each with and without EVENT_IDX and INDIRECT_DESC.
    static let all: [HarnessOptions] = [false, true].flatMap { packed in
        [(false, false), (true, false), (false, true), (true, true)].map {
            HarnessOptions(packed: packed, eventIndex: $0.0, indirect: $0.1)
        }
    }

    var transportFeatures: UInt64 {
        VirtioFeature.version1 | (packed ? VirtioFeature.ringPacked : 0)
            | (eventIndex ? VirtioFeature.eventIndex : 0) | (indirect ? VirtioFeature.indirectDescriptors : 0)
    }

    var testDescription: String {
        [packed ? "packed" : "split", eventIndex ? "event-idx" : nil, indirect ? "indirect" : nil]
            .compactMap { $0 }.joined(separator: "+")
    }
}

/// Records what a device signals, as a transport would see it.
final class RecordingInterrupts: VirtioInterrupts, @unchecked Sendable {
    private let state = Mutex<(used: [Int: Int], configChanges: Int, needsReset: Int)>(([:], 0, 0))

    func usedBuffers(queue: Int) { state.withLock { $0.used[queue, default: 0] += 1 } }
    func configChanged() { state.withLock { $0.configChanges += 1 } }
    func deviceNeedsReset() { state.withLock { $0.needsReset += 1 } }

    func used(_ queue: Int) -> Int { state.withLock { $0.used[queue] ?? 0 } }
    var needsReset: Int { state.withLock { $0.needsReset } }
}

/// Plays transport and guest driver for one device, without a transport: negotiates features,
/// lays out every queue with `GuestDriver`, activates the device, adds buffers and kicks the
/// way Linux does, and collects used buffers. Test-only; the same device tests can later run
/// behind the real transports.
final class VirtioDeviceHarness<Device: VirtioDevice> {
    static var ramBase: UInt64 { 0x4000_0000 }
    static var ramSize: UInt64 { 64 << 20 }
    static var dataBase: UInt64 { ramBase + (16 << 20) }

    let device: Device
    let memory: GuestMemory
    let interrupts = RecordingInterrupts()
    let features: UInt64
    private(set) var drivers: [GuestDriver] = []
    private var nextData: UInt64 = VirtioDeviceHarness.dataBase
    private var nextToken: UInt32 = 1
    /// The buffers of every chain in flight, by token.
    private(set) var chains: [UInt32: [GuestBuffer]] = [:]

    /// Negotiates `deviceFeatures & driverFeatures` plus the options' transport features,
    /// builds queues of `min(queueSize, device maximum)` and activates the device.
    init(device: Device, options: HarnessOptions, driverFeatures: UInt64 = .max, queueSize: UInt16 = 64) throws {
        self.device = device
        memory = try GuestMemory(base: Self.ramBase, size: Self.ramSize)
        features = (device.deviceFeatures & driverFeatures & 0xFF_FFFF) | options.transportFeatures
        try #require(device.accepts(features: features))
        var queues: [Virtqueue?] = []
        for (index, maxSize) in device.queueMaxSizes.enumerated() {
            let driver = try GuestDriver(memory: memory, size: min(queueSize, maxSize), features: features,
                                         base: Self.ramBase + UInt64(index) * 0x10_0000)
            drivers.append(driver)
            queues.append(try driver.queueConfig.activate(memory: memory))
        }
        device.activate(VirtioActivation(features: features, queues: queues, memory: memory, interrupts: interrupts))
    }

    /// Guest RAM for a buffer of `length` bytes (16-byte aligned, never reused).
    func allocate(_ length: Int) -> UInt64 {
        let address = nextData
        nextData += (UInt64(length) + 15) & ~15
        precondition(nextData <= Self.ramBase + Self.ramSize, "the harness ran out of guest RAM")
        return address
    }

    /// Adds one chain to `queue` and kicks if the device asks for it; returns its token.
    @discardableResult
    func add(queue: Int, _ buffers: [GuestBuffer]) -> UInt32? {
        let token = nextToken
        let added = buffers.withUnsafeBufferPointer { drivers[queue].add($0, token: token) }
        guard added else { return nil }
        nextToken += 1
        chains[token] = buffers
        if drivers[queue].kickPrepare() { device.notify(queue: queue) }
        return token
    }

    /// Adds a chain of device-readable buffers holding `bytes`, cut at `cuts` offsets.
    @discardableResult
    func addReadable(queue: Int, _ bytes: [UInt8], cuts: [Int] = []) throws -> UInt32? {
        var buffers: [GuestBuffer] = []
        var start = 0
        for end in cuts + [bytes.count] where end > start {
            let address = allocate(end - start)
            try memory.write(Array(bytes[start..<end]), at: address)
            buffers.append(GuestBuffer(address: address, length: UInt32(end - start), deviceWritable: false))
            start = end
        }
        return add(queue: queue, buffers)
    }

    /// Adds a chain of device-writable buffers of `lengths`, zero-filled.
    @discardableResult
    func addWritable(queue: Int, lengths: [Int]) throws -> UInt32? {
        var buffers: [GuestBuffer] = []
        for length in lengths {
            let address = allocate(length)
            try memory.write([UInt8](repeating: 0, count: length), at: address)
            buffers.append(GuestBuffer(address: address, length: UInt32(length), deviceWritable: true))
        }
        return add(queue: queue, buffers)
    }

    /// The next used buffer of `queue`, if one is there.
    func takeUsed(queue: Int) -> UsedBuffer? {
        guard let used = drivers[queue].getBuf() else { return nil }
        return used
    }

    /// Waits until `queue` returns a used buffer, up to `timeout` seconds.
    func waitUsed(queue: Int, timeout: Double = 5) -> UsedBuffer? {
        let deadline = Self.now() + timeout
        while true {
            if let used = takeUsed(queue: queue) { return used }
            if Self.now() > deadline { return nil }
            usleep(200)
        }
    }

    /// The bytes the device wrote into the chain `used` names, in buffer order.
    func written(_ used: UsedBuffer) throws -> [UInt8] {
        var left = Int(used.length)
        var result: [UInt8] = []
        for buffer in chains[used.token] ?? [] where buffer.deviceWritable && left > 0 {
            let count = min(left, Int(buffer.length))
            result += try memory.bytes(at: buffer.address, count: count)
            left -= count
        }
        return result
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
