import Machine
@testable import Virtio
@testable import VirtioDriver

/// Hand-written ring contents for hostile-driver tests: descriptors, available entries and
/// indirect tables are poked straight into guest memory, bypassing the driver model.
final class HostileRig {
    let memory = Rig.memory()
    let size: UInt16
    let features: UInt64
    let layout: DriverLayout
    var packed: Bool { features & VirtioFeature.ringPacked != 0 }
    /// A scratch area for indirect tables and buffers.
    static let scratch: UInt64 = Rig.dataBase
    var availIndex: UInt16 = 0

    init(packed: Bool, size: UInt16 = 8, indirect: Bool = true, extraFeatures: UInt64 = 0) {
        self.size = size
        var f = VirtioFeature.version1 | extraFeatures
        if packed { f |= VirtioFeature.ringPacked }
        if indirect { f |= VirtioFeature.indirectDescriptors }
        features = f
        layout = DriverLayout(base: Rig.ringBase, size: Int(size), packed: packed, maxSegments: 1)
    }

    var config: QueueConfig {
        var c = QueueConfig(maxSize: size, features: features)
        c.descriptorArea = layout.descriptorArea
        c.driverArea = layout.driverArea
        c.deviceArea = layout.deviceArea
        c.ready = true
        return c
    }

    func activate() -> Virtqueue { try! config.activate(memory: memory) }

    /// Writes one 16-byte descriptor at `base + 16 * index` in either format's layout.
    func put(at base: UInt64, _ index: Int, address: UInt64, length: UInt32, flags: UInt16, next: UInt16 = 0, id: UInt16 = 0) {
        let d = base + 16 * UInt64(index)
        try! memory.write(address, at: d)
        try! memory.write(length, at: d + 8)
        if packed && base == layout.descriptorArea {
            try! memory.write(id, at: d + 12)
            try! memory.write(flags | RingLayout.packedAvail, at: d + 14)
        } else {
            try! memory.write(flags, at: d + 12)
            try! memory.write(next, at: d + 14)
        }
    }

    /// A descriptor in the queue's own table (split) or ring (packed, available in lap 1).
    func desc(_ index: Int, address: UInt64 = HostileRig.scratch, length: UInt32 = 64, flags: UInt16 = 0, next: UInt16 = 0, id: UInt16 = 0) {
        put(at: layout.descriptorArea, index, address: address, length: length, flags: flags, next: next, id: id)
    }

    /// An indirect table entry (split layout with `next`; packed tables ignore `next`).
    func table(_ tableAddress: UInt64, _ index: Int, address: UInt64 = HostileRig.scratch, length: UInt32 = 64, flags: UInt16 = 0, next: UInt16 = 0) {
        let d = tableAddress + 16 * UInt64(index)
        try! memory.write(address, at: d)
        try! memory.write(length, at: d + 8)
        if packed {
            try! memory.write(UInt16(0), at: d + 12)
            try! memory.write(flags, at: d + 14)
        } else {
            try! memory.write(flags, at: d + 12)
            try! memory.write(next, at: d + 14)
        }
    }

    /// Split only: makes `heads` available.
    func offer(_ heads: UInt16...) {
        for h in heads {
            try! memory.write(h, at: layout.driverArea + 4 + 2 * UInt64(availIndex & (size - 1)))
            availIndex &+= 1
        }
        try! memory.write(availIndex, at: layout.driverArea + 2)
    }

    /// Split only: sets the available index directly.
    func setAvailIndex(_ index: UInt16) {
        availIndex = index
        try! memory.write(index, at: layout.driverArea + 2)
    }

    /// The used entry at `index`: (id, len) for split; (id, len, flags) for packed.
    func usedEntry(_ index: Int) -> (id: UInt32, length: UInt32) {
        if packed {
            let d = layout.descriptorArea + 16 * UInt64(index)
            return (UInt32(try! memory.read(UInt16.self, at: d + 12)), try! memory.read(UInt32.self, at: d + 8))
        }
        let e = layout.deviceArea + 4 + 8 * UInt64(index)
        return (try! memory.read(UInt32.self, at: e), try! memory.read(UInt32.self, at: e + 4))
    }

    func packedUsedFlagsSet(_ index: Int) -> Bool {
        let flags = try! memory.read(UInt16.self, at: layout.descriptorArea + 16 * UInt64(index) + 14)
        return flags & RingLayout.packedUsed != 0 && flags & RingLayout.packedAvail != 0
    }

    var usedIndex: UInt16 { try! memory.read(UInt16.self, at: layout.deviceArea + 2) }
}
