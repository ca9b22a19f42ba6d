import Machine
import PCI
@testable import Virtio
@testable import VirtioDriver
@testable import VirtioPCI

/// The transports a device is tested behind.
enum TransportKind: String, CaseIterable, CustomStringConvertible, Sendable {
    case mmio, mmioLegacy, pciMSIX, pciINTx
    var description: String { rawValue }
    var isPCI: Bool { self == .pciMSIX || self == .pciINTx }
    /// Ring formats the transport can carry.
    var formats: [VirtioRingFormat] { self == .mmioLegacy ? [.split] : [.split, .packed] }
}

/// One machine slice: guest RAM, an MMIO bus, an `EchoDevice` behind one transport, and the
/// Linux-like driver for that transport.
final class TransportFixture {
    static let ramBase: UInt64 = 0x8000_0000
    static let ramSize: UInt64 = 8 << 20
    static let ringBase: UInt64 = ramBase + 0x10_0000
    static let dataBase: UInt64 = ramBase + 0x40_0000
    static let mmioBase: UInt64 = 0x1000_1000
    static let mmioIRQ = 1
    static let ecamBase: UInt64 = 0x3000_0000
    static let pciMemoryBase: UInt64 = 0x4000_0000
    static let pciMemorySize: UInt64 = 0x1000_0000
    static let msiAddress: UInt64 = 0xFEE0_0000
    static let pciSlot = 1

    let kind: TransportKind
    let memory: GuestMemory
    let bus = Bus(name: "mmio")
    let device: EchoDevice
    let levels = LevelRecorder()
    let messages = MessageRecorder()
    var mmio: VirtioMMIOTransport?
    var pci: VirtioPCIFunction?
    var bridge: PCIHostBridge?
    let driver: any VirtioTransportDriver

    init(_ kind: TransportKind, ringFormat: VirtioRingFormat? = nil, device: EchoDevice = EchoDevice()) {
        self.kind = kind
        self.device = device
        memory = try! GuestMemory(base: Self.ramBase, size: Self.ramSize)
        switch kind {
        case .mmio, .mmioLegacy:
            let t = VirtioMMIOTransport(device: device, memory: memory, interrupt: InterruptLine(controller: levels, line: Self.mmioIRQ),
                                        legacy: kind == .mmioLegacy, ringFormat: ringFormat)
            try! bus.register(t, at: Self.mmioBase, size: VirtioMMIOTransport.regionSize, name: "virtio-mmio")
            mmio = t
            driver = VirtioMMIODriver(bus: bus, base: Self.mmioBase, memory: memory)
        case .pciMSIX, .pciINTx:
            let recorder = levels
            let b = PCIHostBridge(intxLines: (0..<4).map { InterruptLine(controller: recorder, line: 3 + $0) }, msi: messages)
            let f = VirtioPCIFunction(device: device, memory: memory, ringFormat: ringFormat)
            try! b.attach(f, at: PCIAddress(device: Self.pciSlot))
            try! bus.register(b, at: Self.ecamBase, size: b.ecamSize, name: "ecam")
            try! bus.register(b.window(pciBase: Self.pciMemoryBase, io: false), at: Self.pciMemoryBase, size: Self.pciMemorySize, name: "pci-mem")
            bridge = b
            pci = f
            let d = VirtioPCIDriver(bus: bus, access: .ecam(Self.ecamBase), device: Self.pciSlot, memory: memory,
                                    msiAddress: kind == .pciMSIX ? Self.msiAddress : nil)
            d.assignBARs(memoryBase: Self.pciMemoryBase)
            driver = d
        }
    }

    /// The features a driver wanting `format` asks for.
    func wanted(_ format: VirtioRingFormat, extra: UInt64 = 0) -> UInt64 {
        var f = VirtioFeature.version1 | VirtioFeature.eventIndex | VirtioFeature.indirectDescriptors
            | EchoDevice.featureUpper | extra
        if format == .packed { f |= VirtioFeature.ringPacked }
        return f
    }

    func initialize(_ format: VirtioRingFormat, queues: Int = 2, size: UInt16 = 16, extra: UInt64 = 0) throws {
        try driver.initialize(wanted: wanted(format, extra: extra), queueCount: queues, queueSize: size, ringBase: Self.ringBase)
    }

    /// The transport's device status as the transport core holds it.
    var core: VirtioTransportCore { mmio?.core ?? pci!.core }

    /// The interrupt line the device drives (MMIO line, or INTA of slot 1 after the swizzle).
    var intxLevel: Bool { kind.isPCI ? levels.level(3 + PCIINTxRouter.output(device: Self.pciSlot, pin: 0)) : levels.level(Self.mmioIRQ) }

    /// Whether a used-buffer interrupt for `queue` arrived since the last check, consuming it:
    /// the MSI-X message for the queue's vector, or the cause register read by the driver.
    func takeUsedInterrupt(queue: Int) -> Bool {
        if kind == .pciMSIX {
            let hit = messages.messages.contains { $0.address == Self.msiAddress && $0.data == UInt32(queue + 1) }
            messages.clear()
            return hit
        }
        let line = intxLevel
        let cause = driver.interruptCause()
        return line && cause & 1 != 0 && !intxLevel
    }

    /// Puts `count` echo requests on `queue`, kicks, and checks every reply; returns the number
    /// of used buffers seen.
    @discardableResult
    func echo(queue: Int, count: Int, seed: UInt8 = 1) throws -> Int {
        let ring = driver.queues[queue]
        for i in 0..<count {
            let source = Self.dataBase + UInt64(i) * 0x200, sink = source + 0x100
            let payload = (0..<(16 + i)).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed) &+ i) }
            try memory.write(payload, at: source)
            try memory.write([UInt8](repeating: 0, count: 0x100), at: sink)
            let buffers = [GuestBuffer(address: source, length: UInt32(payload.count), deviceWritable: false),
                           GuestBuffer(address: sink, length: 0x100, deviceWritable: true)]
            guard buffers.withUnsafeBufferPointer({ ring.add($0, token: UInt32(i)) }) else { throw FixtureError.ringFull }
        }
        if ring.kickPrepare() { driver.kick(queue) }
        var seen = 0
        while let used = ring.getBuf() {
            let i = Int(used.token)
            let expected = (0..<(16 + i)).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed) &+ i) }
            guard used.length == UInt32(expected.count),
                  try memory.bytes(at: Self.dataBase + UInt64(i) * 0x200 + 0x100, count: expected.count) == expected else {
                throw FixtureError.wrongEcho(token: used.token)
            }
            seen += 1
        }
        if let violation = ring.violation { throw FixtureError.violation(violation) }
        return seen
    }
}

enum FixtureError: Error {
    case ringFull
    case wrongEcho(token: UInt32)
    case violation(String)
}
