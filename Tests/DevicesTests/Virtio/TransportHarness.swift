import Machine
import PCI
import Synchronization
import Testing
import Virtio
import VirtioDriver
import VirtioPCI
#if canImport(Glibc)
import Glibc
#endif

/// The transport a device test runs behind.
enum HarnessTransport: String, Sendable {
    /// virtio-mmio version 2: InterruptStatus/InterruptACK on one wired line.
    case mmio
    /// virtio-mmio version 1 (legacy): split rings only, no VERSION_1.
    case mmioLegacy
    /// Modern virtio-pci behind a PCIe host bridge, one MSI-X vector per queue.
    case pci
    /// The same with MSI-X left off: INTx and the read-to-clear ISR.
    case pciINTx
}

/// The transport, ring format and ring features one run of a device test negotiates.
struct HarnessVariant: Sendable, CustomTestStringConvertible {
    var transport: HarnessTransport = .mmio
    var packed = false
    var eventIndex = false
    var indirect = false

    /// Both modern transports × both formats, each with and without EVENT_IDX and INDIRECT_DESC.
    static let all: [HarnessVariant] = [HarnessTransport.mmio, .pci].flatMap { transport in
        [false, true].flatMap { packed in
            [(false, false), (true, false), (false, true), (true, true)].map {
                HarnessVariant(transport: transport, packed: packed, eventIndex: $0.0, indirect: $0.1)
            }
        }
    }

    /// Both modern transports × both formats, without the optional ring features, and PCI
    /// with INTx instead of MSI-X for both formats.
    static let basic = all.filter { !$0.eventIndex && !$0.indirect }
        + [false, true].map { HarnessVariant(transport: .pciINTx, packed: $0) }

    /// The ring-feature bits this variant asks for.
    var ringFeatures: UInt64 {
        guard transport != .mmioLegacy else { return (eventIndex ? VirtioFeature.eventIndex : 0) | (indirect ? VirtioFeature.indirectDescriptors : 0) }
        return VirtioFeature.version1 | (packed ? VirtioFeature.ringPacked : 0)
            | (eventIndex ? VirtioFeature.eventIndex : 0) | (indirect ? VirtioFeature.indirectDescriptors : 0)
    }

    var testDescription: String {
        [transport.rawValue, packed ? "packed" : "split", eventIndex ? "event-idx" : nil, indirect ? "indirect" : nil]
            .compactMap { $0 }.joined(separator: "+")
    }
}

/// What the transport signals on its wires: the level of the MMIO line or of INTx, and MSI-X
/// messages by data value (the harness programs data = vector).
final class InterruptWires: InterruptController, MSIController, @unchecked Sendable {
    private let state = Mutex<(level: Bool, messages: [UInt32: Int])>((false, [:]))

    func setLevel(line: Int, high: Bool) { state.withLock { $0.level = high } }
    func deliver(_ message: MSIMessage) { state.withLock { $0.messages[message.data, default: 0] += 1 } }

    var level: Bool { state.withLock { $0.level } }
    /// The messages since the last call, by data value.
    func takeMessages() -> [UInt32: Int] {
        state.withLock { state in
            let taken = state.messages
            state.messages = [:]
            return taken
        }
    }
}

/// Attaches one device to a real transport (virtio-mmio or virtio-pci behind a PCIe host
/// bridge) on a bus with guest RAM, and plays the guest: the Linux-like transport driver
/// (`VirtioMMIODriver`, `VirtioPCIDriver`) probes, negotiates and sets up every queue, a
/// `GuestDriver` per queue adds chains and decides kicks, kicks are register writes, and
/// interrupts are taken as a guest's handler takes them (MMIO InterruptStatus + ACK, or MSI-X
/// messages per vector). Every device test runs through it, so each device is tested behind
/// both transports and both ring formats.
final class TransportHarness<Device: VirtioDevice> {
    static var ramBase: UInt64 { 0x8000_0000 }
    static var mmioBase: UInt64 { 0x1000_1000 }
    static var ecamBase: UInt64 { 0x3000_0000 }
    static var pciMemoryBase: UInt64 { 0x4000_0000 }
    static var pciMemorySize: UInt64 { 0x1000_0000 }
    static var msiAddress: UInt64 { 0xFEE0_0000 }
    /// VERSION_1 .. bit 49: the transport and ring feature range (§6), chosen by the variant.
    static var transportFeatureRange: UInt64 { 0x0003_FFFF_FF00_0000 }

    let device: Device
    let memory: GuestMemory
    let variant: HarnessVariant
    let bus = Bus(name: "harness")
    let wires: InterruptWires
    /// The guest's transport driver (register protocol, interrupt cause, config space).
    let transport: any VirtioTransportDriver
    /// The features both sides agreed on.
    var features: UInt64 { transport.features }
    /// One ring driver per queue, as the transport driver set them up (kept after a reset,
    /// so a test can show that the device ignores the old rings).
    let drivers: [GuestDriver]
    /// The buffers of every chain added, by token, for `written`.
    private(set) var chains: [UInt32: [GuestBuffer]] = [:]
    private var nextToken: UInt32 = 1 << 24
    private var nextData: UInt64
    private let dataStart: UInt64
    private var usedInterruptsByQueue: [Int: Int] = [:]
    private var lineUsedInterrupts = 0
    private var configInterruptCount = 0

    /// Attaches `device` to the variant's transport and initializes it as a guest does:
    /// features `driverFeatures ∩ offered` (the ring features come from the variant), queues
    /// of `min(queueSize, device maximum)`, chains of up to `maxSegments` buffers.
    init(device: Device, variant: HarnessVariant, driverFeatures: UInt64 = .max, queueSize: UInt16 = .max,
         ramSize: UInt64 = 64 << 20, maxSegments: Int = 16) throws {
        self.device = device
        self.variant = variant
        memory = try GuestMemory(base: Self.ramBase, size: ramSize)
        let wires = InterruptWires()
        self.wires = wires
        switch variant.transport {
        case .mmio, .mmioLegacy:
            let mmio = VirtioMMIOTransport(device: device, memory: memory, interrupt: InterruptLine(controller: wires, line: 0),
                                           legacy: variant.transport == .mmioLegacy)
            try bus.register(mmio, at: Self.mmioBase, size: VirtioMMIOTransport.regionSize, name: "virtio-mmio")
            transport = VirtioMMIODriver(bus: bus, base: Self.mmioBase, memory: memory)
        case .pci, .pciINTx:
            let bridge = PCIHostBridge(intxLines: (0..<4).map { InterruptLine(controller: wires, line: $0) }, msi: wires)
            try bridge.attach(VirtioPCIFunction(device: device, memory: memory), at: PCIAddress(device: 1))
            try bus.register(bridge, at: Self.ecamBase, size: bridge.ecamSize, name: "ecam")
            try bus.register(bridge.window(pciBase: Self.pciMemoryBase, io: false), at: Self.pciMemoryBase,
                             size: Self.pciMemorySize, name: "pci-mem")
            let pci = VirtioPCIDriver(bus: bus, access: .ecam(Self.ecamBase), device: 1, memory: memory,
                                      msiAddress: variant.transport == .pci ? Self.msiAddress : nil)
            pci.assignBARs(memoryBase: Self.pciMemoryBase)
            transport = pci
        }
        transport.maxSegments = maxSegments
        let wanted = (driverFeatures & ~Self.transportFeatureRange) | variant.ringFeatures
        try transport.initialize(wanted: wanted, queueCount: device.queueMaxSizes.count, queueSize: queueSize,
                                 ringBase: Self.ramBase)
        guard transport.status & VirtioStatus.driverOK != 0 else { throw HarnessError.featuresRefused }
        drivers = transport.queues
        dataStart = ((drivers.last?.layout.end ?? Self.ramBase) + 4095) & ~4095
        nextData = dataStart
    }

    deinit { transport.reset() }

    // MARK: Guest RAM

    /// Guest RAM for a data buffer of `length` bytes (8-byte aligned), zero-filled.
    func allocate(_ length: Int) -> UInt64 {
        let address = nextData
        nextData = (nextData + UInt64(max(length, 1)) + 7) & ~7
        precondition(nextData <= Self.ramBase + memory.totalSize, "the harness ran out of guest RAM")
        try! memory.slice(at: address, length: UInt64(length)).initializeMemory(as: UInt8.self, repeating: 0)
        return address
    }

    /// Forgets every data buffer (call when no chain is in flight).
    func freeAllData() {
        nextData = dataStart
        chains = [:]
    }

    // MARK: Adding chains

    /// Adds one chain to `queue` and kicks (a notify register write) when the ring driver says
    /// the device wants it. False when the ring is full.
    @discardableResult
    func submit(queue: Int, _ buffers: [GuestBuffer], token: UInt32) -> Bool {
        let added = buffers.withUnsafeBufferPointer { drivers[queue].add($0, token: token) }
        guard added else { return false }
        chains[token] = buffers
        if drivers[queue].kickPrepare() { transport.kick(queue) }
        return true
    }

    /// Adds one chain with a fresh token, which it returns (nil when the ring is full).
    @discardableResult
    func add(queue: Int, _ buffers: [GuestBuffer]) -> UInt32? {
        let token = nextToken
        guard submit(queue: queue, buffers, token: token) else { return nil }
        nextToken += 1
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

    /// Adds a chain of zero-filled device-writable buffers of `lengths`.
    @discardableResult
    func addWritable(queue: Int, lengths: [Int]) -> UInt32? {
        add(queue: queue, lengths.map { GuestBuffer(address: allocate($0), length: UInt32($0), deviceWritable: true) })
    }

    /// Notifies `queue` through the transport whatever the ring's suppression says.
    func kick(_ queue: Int) { transport.kick(queue) }

    // MARK: Used buffers

    /// The next used buffer of `queue`, if one is there.
    func takeUsed(queue: Int) -> UsedBuffer? {
        serviceInterrupts()
        return drivers[queue].getBuf()
    }

    /// Waits up to `timeout` seconds for the next used buffer of `queue`.
    func nextUsed(queue: Int, timeout: Double = 5) -> UsedBuffer? {
        let deadline = monotonicSeconds() + timeout
        while true {
            if let used = takeUsed(queue: queue) { return used }
            if monotonicSeconds() > deadline { return nil }
            usleep(100)
        }
    }

    /// Waits until `count` used buffers came back on `queue` (at most `timeout` seconds) and
    /// returns them in completion order.
    func waitUsed(queue: Int, count: Int, timeout: Double = 10) throws -> [UsedBuffer] {
        var used: [UsedBuffer] = []
        let deadline = monotonicSeconds() + timeout
        while used.count < count {
            if let u = takeUsed(queue: queue) {
                used.append(u)
                continue
            }
            if let violation = drivers[queue].violation { throw HarnessError.driverSawViolation(violation) }
            guard monotonicSeconds() < deadline else { throw HarnessError.timeout(got: used.count, wanted: count) }
            usleep(50)
        }
        return used
    }

    /// Submits one chain and waits for it.
    func roundTrip(queue: Int = 0, _ buffers: [GuestBuffer], token: UInt32 = 1) throws -> UsedBuffer {
        guard submit(queue: queue, buffers, token: token) else { throw HarnessError.ringFull }
        return try waitUsed(queue: queue, count: 1)[0]
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

    // MARK: Interrupts and status

    /// Takes pending interrupts as a guest's handler does: MSI-X messages by vector (0 is the
    /// config vector, queue q has q + 1); on a wired line (MMIO, INTx), reads and acknowledges
    /// the cause (InterruptStatus + InterruptACK, or the ISR read).
    func serviceInterrupts() {
        if variant.transport == .pci {
            for (vector, count) in wires.takeMessages() {
                if vector == 0 { configInterruptCount += count } else { usedInterruptsByQueue[Int(vector) - 1, default: 0] += count }
            }
        } else if wires.level {
            let cause = transport.interruptCause()
            if cause & 1 != 0 { lineUsedInterrupts += 1 }
            if cause & 2 != 0 { configInterruptCount += 1 }
        }
    }

    /// Used-buffer interrupts the guest took for `queue` (on a wired line, for any queue, as
    /// one cause bit serves them all).
    func usedInterrupts(queue: Int) -> Int {
        serviceInterrupts()
        return variant.transport == .pci ? usedInterruptsByQueue[queue] ?? 0 : lineUsedInterrupts
    }

    /// Configuration-change interrupts the guest took.
    var configInterrupts: Int {
        serviceInterrupts()
        return configInterruptCount
    }

    /// Whether the device status has DEVICE_NEEDS_RESET.
    var needsReset: Bool { transport.status & VirtioStatus.deviceNeedsReset != 0 }

    /// Waits up to `timeout` seconds for DEVICE_NEEDS_RESET.
    func waitNeedsReset(timeout: Double = 5) -> Bool {
        let deadline = monotonicSeconds() + timeout
        while !needsReset, monotonicSeconds() < deadline { usleep(200) }
        return needsReset
    }

    /// Resets the device through the transport (status 0), as a guest driver's remove does.
    func reset() { transport.reset() }

    /// A device-config field read through the transport.
    func readConfig<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(truncatingIfNeeded: transport.readConfig(offset: offset, size: MemoryLayout<T>.size))
    }

    /// A device-config field write through the transport.
    func writeConfig<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        transport.writeConfig(offset: offset, size: MemoryLayout<T>.size, value: UInt64(truncatingIfNeeded: value))
    }
}

/// Seconds on the monotonic clock, for test deadlines.
func monotonicSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

enum HarnessError: Error, Equatable {
    /// The device refused the negotiated features.
    case featuresRefused
    /// The ring had no room for the chain.
    case ringFull
    /// Fewer used buffers came back than expected.
    case timeout(got: Int, wanted: Int)
    /// The driver model caught the device breaking the ring protocol.
    case driverSawViolation(String)
}
