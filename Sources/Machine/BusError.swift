/// Why a device region could not be placed on a `Bus`. These are board wiring mistakes (or a
/// guest moving a PCI BAR onto another region), reported with both regions named.
public enum BusError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyRegion(name: String)
    case wrapsAddressSpace(name: String, base: UInt64, size: UInt64)
    case overlap(name: String, base: UInt64, other: String, otherBase: UInt64)

    public var description: String {
        switch self {
        case let .emptyRegion(name):
            "device region '\(name)' has zero size"
        case let .wrapsAddressSpace(name, base, size):
            "device region '\(name)' at 0x\(String(base, radix: 16)) with size 0x\(String(size, radix: 16)) wraps the address space"
        case let .overlap(name, base, other, otherBase):
            "device region '\(name)' at 0x\(String(base, radix: 16)) overlaps '\(other)' at 0x\(String(otherBase, radix: 16))"
        }
    }
}
