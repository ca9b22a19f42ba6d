import Machine
@testable import Virtio
@testable import VirtioDriver

/// Guest RAM for virtqueue tests: rings at `ringBase`, data buffers from `dataBase`.
enum Rig {
    static let ramBase: UInt64 = 0x4000_0000
    static let ramSize: UInt64 = 64 << 20
    static let ringBase: UInt64 = ramBase
    static let dataBase: UInt64 = ramBase + (32 << 20)

    static func memory() -> GuestMemory { try! GuestMemory(base: ramBase, size: ramSize) }

    /// Every feature combination the engine distinguishes, per format.
    static func featureSets(packed: Bool) -> [UInt64] {
        var sets: [UInt64] = []
        for mask in 0..<8 {
            var f = VirtioFeature.version1 | (packed ? VirtioFeature.ringPacked : 0)
            if mask & 1 != 0 { f |= VirtioFeature.eventIndex }
            if mask & 2 != 0 { f |= VirtioFeature.indirectDescriptors }
            if mask & 4 != 0 { f |= VirtioFeature.inOrder }
            sets.append(f)
        }
        return sets
    }

    static func name(_ features: UInt64) -> String {
        var parts = [features & VirtioFeature.ringPacked != 0 ? "packed" : "split"]
        if features & VirtioFeature.eventIndex != 0 { parts.append("event-idx") }
        if features & VirtioFeature.indirectDescriptors != 0 { parts.append("indirect") }
        if features & VirtioFeature.inOrder != 0 { parts.append("in-order") }
        return parts.joined(separator: "+")
    }
}

/// Brute-force notification oracles: step through every index or ring position crossed, one
/// at a time, instead of the modular formula the engine and the driver use.
enum Oracle {
    /// Split: was `event` one of the indices old, old+1, ..., new-1?
    static func splitCrossed(event: UInt16, old: UInt16, new: UInt16) -> Bool {
        var i = old
        while i != new {
            if i == event { return true }
            i &+= 1
        }
        return false
    }

    /// Packed: was the descriptor position `event` (with its wrap bit) one of the positions
    /// passed going from (old, oldWrap) to (new, newWrap)?
    static func packedCrossed(offWrap: UInt16, old: UInt16, oldWrap: Bool, new: UInt16, newWrap: Bool, size: UInt16) -> Bool {
        let eventPosition = offWrap & 0x7FFF, eventWrap = offWrap >> 15 != 0
        var p = old, w = oldWrap
        var steps = 0
        while !(p == new && w == newWrap) && steps <= 2 * Int(size) {
            if p == eventPosition && w == eventWrap { return true }
            p &+= 1
            if p == size { p = 0; w.toggle() }
            steps += 1
        }
        return false
    }
}
