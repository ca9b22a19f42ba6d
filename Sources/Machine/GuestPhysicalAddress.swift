/// An address in the guest's physical address space.
///
/// A distinct type at module boundaries so that a guest-physical address is never confused with
/// a host pointer, a guest-virtual address or an offset into a device region.
public struct GuestPhysicalAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}
