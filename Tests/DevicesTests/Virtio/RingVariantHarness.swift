import Machine
import Synchronization
import Testing
import Virtio
import VirtioDriver
#if canImport(Glibc)
import Glibc
#endif

/// The ring-level variants every device test runs under: both formats, with and without
/// EVENT_IDX and INDIRECT_DESC.
struct RingVariant: CustomTestStringConvertible, Sendable {
    var packed: Bool
    var eventIndex: Bool
    var indirect: Bool

    static let all: [RingVariant] = [false, true].flatMap { packed in
        [false, true].flatMap { eventIndex in [false, true].map { RingVariant(packed: packed, eventIndex: eventIndex, indirect: $0) } }
    }

    /// The transport feature bits this variant negotiates.
    var transportFeatures: UInt64 {
        var f = VirtioFeature.version1
        if packed { f |= VirtioFeature.ringPacked }
        if eventIndex { f |= VirtioFeature.eventIndex }
        if indirect { f |= VirtioFeature.indirectDescriptors }
        return f
    }

    var testDescription: String {
        [packed ? "packed" : "split", eventIndex ? "event-idx" : nil, indirect ? "indirect" : nil]
            .compactMap { $0 }.joined(separator: "+")
    }
}

/// Records the device's signals to the driver, as a transport would receive them.
final class RingVariantInterrupts: VirtioInterrupts {
    private let state = Mutex<(used: [Int: Int], configChanges: Int, needsReset: Int)>(([:], 0, 0))

    func usedBuffers(queue: Int) { state.withLock { $0.used[queue, default: 0] += 1 } }
    func configChanged() { state.withLock { $0.configChanges += 1 } }
    func deviceNeedsReset() { state.withLock { $0.needsReset += 1 } }

    func used(queue: Int) -> Int { state.withLock { $0.used[queue] ?? 0 } }
    var configChanges: Int { state.withLock { $0.configChanges } }
    var needsReset: Int { state.withLock { $0.needsReset } }
}

/// A test-only stand-in for a virtio transport: it negotiates features with a device, lays out
/// each queue with the driver-side model (`GuestDriver`), activates the queues and the device,
/// forwards kicks to `notify(queue:)` and collects used buffers.
///
/// The lead runs the same device tests behind the real MMIO and PCI transports; this harness
/// keeps to what a transport does (features, config space, queue setup, notify, reset).
final class RingVariantHarness<Device: VirtioDevice> {
    static var ramBase: UInt64 { 0x8000_0000 }

    let device: Device
    let memory: GuestMemory
    let interrupts = RingVariantInterrupts()
    let variant: RingVariant
    /// The features both sides agreed on.
    let features: UInt64
    private(set) var drivers: [GuestDriver] = []
    /// Data buffers are handed out from here, after the rings.
    private var nextData: UInt64
    private let dataStart: UInt64

    /// Sets `device` up: offers its features plus the variant's transport features, accepts
    /// the ones in `driverFeatures` (all offered ones by default), lays out every queue, and
    /// activates. `ramSize` bytes of guest RAM start at `ramBase`.
    init(device: Device, variant: RingVariant, driverFeatures: UInt64 = .max, ramSize: UInt64 = 64 << 20,
         maxSegments: Int = 16) throws {
        self.device = device
        self.variant = variant
        memory = try GuestMemory(base: Self.ramBase, size: ramSize)
        let features = (device.deviceFeatures | variant.transportFeatures) & (driverFeatures | variant.transportFeatures)
        guard device.accepts(features: features) else { throw HarnessError.featuresRefused }
        self.features = features
        var base = Self.ramBase
        var queues: [Virtqueue?] = []
        for maxSize in device.queueMaxSizes {
            let driver = try GuestDriver(memory: memory, size: maxSize, features: features, base: base, maxSegments: maxSegments)
            base = driver.layout.end
            queues.append(try driver.queueConfig.activate(memory: memory))
            drivers.append(driver)
        }
        dataStart = (base + 4095) & ~4095
        nextData = dataStart
        device.activate(VirtioActivation(features: features, queues: queues, memory: memory, interrupts: interrupts))
    }

    deinit { device.reset() }

    /// Guest RAM for a data buffer of `length` bytes (8-byte aligned), zero-filled.
    func allocate(_ length: Int) throws -> UInt64 {
        let address = nextData
        nextData = (nextData + UInt64(max(length, 1)) + 7) & ~7
        guard nextData <= Self.ramBase + memory.totalSize else { throw HarnessError.outOfGuestMemory }
        try memory.slice(at: address, length: UInt64(length)).initializeMemory(as: UInt8.self, repeating: 0)
        return address
    }

    /// Forgets every data buffer (call when no chain is in flight).
    func freeAllData() { nextData = dataStart }

    /// Adds one chain to `queue` and kicks the device when the driver model says to. False
    /// when the ring is full.
    @discardableResult
    func submit(queue: Int, _ buffers: [GuestBuffer], token: UInt32) -> Bool {
        let added = buffers.withUnsafeBufferPointer { drivers[queue].add($0, token: token) }
        guard added else { return false }
        if drivers[queue].kickPrepare() { device.notify(queue: queue) }
        return true
    }

    /// Waits until `count` used buffers came back on `queue` (at most `timeout` seconds) and
    /// returns them in completion order.
    func waitUsed(queue: Int, count: Int, timeout: Double = 10) throws -> [UsedBuffer] {
        var used: [UsedBuffer] = []
        let deadline = Self.now() + timeout
        while used.count < count {
            if let u = drivers[queue].getBuf() {
                used.append(u)
                continue
            }
            if let violation = drivers[queue].violation { throw HarnessError.driverSawViolation(violation) }
            guard Self.now() < deadline else { throw HarnessError.timeout(got: used.count, wanted: count) }
            usleep(50)
        }
        return used
    }

    /// Submits one chain and waits for it.
    func roundTrip(queue: Int = 0, _ buffers: [GuestBuffer], token: UInt32 = 1) throws -> UsedBuffer {
        guard submit(queue: queue, buffers, token: token) else { throw HarnessError.ringFull }
        return try waitUsed(queue: queue, count: 1)[0]
    }

    /// Resets the device as a transport does when the driver writes 0 to the status register.
    func reset() { device.reset() }

    func readConfig<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(truncatingIfNeeded: device.readConfig(offset: offset, size: MemoryLayout<T>.size))
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

enum HarnessError: Error, Equatable {
    /// The device refused the negotiated features.
    case featuresRefused
    /// The test asked for more data buffers than guest RAM holds.
    case outOfGuestMemory
    /// The ring had no room for the chain.
    case ringFull
    /// Fewer used buffers came back than expected.
    case timeout(got: Int, wanted: Int)
    /// The driver model caught the device breaking the ring protocol.
    case driverSawViolation(String)
}
