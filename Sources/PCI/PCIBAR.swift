/// One base address register of a type-0 function (PCI Local Bus 3.0 §6.2.5.1): what the
/// function decodes and where firmware or the OS placed it.
public struct PCIBAR: Equatable, Sendable {
    /// The kind of space a BAR decodes.
    public enum Kind: Equatable, Sendable {
        case io
        case memory32
        /// Uses this BAR register and the next one for the upper address bits.
        case memory64(prefetchable: Bool)
    }

    public let kind: Kind
    /// A power of two: at least 16 bytes for memory, 4 for I/O.
    public let size: UInt64
    /// The address the BAR registers hold now (bus address; 0 until assigned).
    public internal(set) var address: UInt64

    public var isIO: Bool { kind == .io }
    public var is64Bit: Bool { if case .memory64 = kind { true } else { false } }

    /// The flag bits in the low BAR register.
    var flags: UInt32 {
        switch kind {
        case .io: 0x1
        case .memory32: 0x0
        case .memory64(let prefetchable): 0x4 | (prefetchable ? 0x8 : 0)
        }
    }

    /// Whether `address ..< address + size` holds `pciAddress`.
    public func contains(_ pciAddress: UInt64) -> Bool {
        pciAddress >= address && pciAddress - address < size
    }
}
