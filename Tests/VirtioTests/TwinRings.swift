import Machine
@testable import Virtio
@testable import VirtioDriver

/// Two drivers with the same ring size and features on separate guest RAM, each with a queue:
/// a test drives one side one way and the other another way, then compares what the two left
/// in their rings (`ringBytes()`), buffer by buffer and byte by byte.
final class TwinRings {
    /// The 16 configurations, split then packed, with every feature set of `Rig.featureSets`.
    static let configurations: [(packed: Bool, features: UInt64)] =
        Rig.featureSets(packed: false).map { (false, $0) } + Rig.featureSets(packed: true).map { (true, $0) }

    let features: UInt64
    let size: UInt16
    let memories: [GuestMemory]
    let drivers: [GuestDriver]
    var queues: [Virtqueue]
    /// A readable header and two writable buffers: chains take the first 1, 2 or 3.
    let buffers: UnsafeMutableBufferPointer<GuestBuffer>

    init(configuration: Int) throws {
        let (packed, features) = Self.configurations[configuration]
        self.features = features
        // A packed ring of 13 is not a power of two, which only the packed format allows.
        let size: UInt16 = packed ? 13 : 16
        let memories = [Rig.memory(), Rig.memory()]
        let drivers = try memories.map { try GuestDriver(memory: $0, size: size, features: features, base: Rig.ringBase) }
        queues = try zip(drivers, memories).map { try $0.queueConfig.activate(memory: $1) }
        self.size = size
        self.memories = memories
        self.drivers = drivers
        buffers = .allocate(capacity: 3)
        _ = buffers.initialize(from: [GuestBuffer(address: Rig.dataBase, length: 64, deviceWritable: false),
                                      GuestBuffer(address: Rig.dataBase + 4096, length: 1500, deviceWritable: true),
                                      GuestBuffer(address: Rig.dataBase + 8192, length: 1500, deviceWritable: true)])
    }

    deinit { buffers.deallocate() }

    /// The first `count` buffers (1...3) as one chain.
    func chain(_ count: Int) -> UnsafeBufferPointer<GuestBuffer> { UnsafeBufferPointer(rebasing: buffers[0..<count]) }

    /// Each side's ring areas (descriptors, driver and device areas), to compare.
    func ringBytes() throws -> [[UInt8]] {
        let layout = drivers[0].layout
        let length = UInt64(layout.indirectArea - layout.descriptorArea)
        return try memories.map { try Array($0.slice(at: layout.descriptorArea, length: length)) }
    }
}
