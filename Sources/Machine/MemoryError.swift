/// Why a guest-physical access was refused. Guest-controlled addresses reach these, so each is
/// an ordinary error the caller turns into a guest-visible failure, never a trap.
public enum MemoryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The range is not wholly inside one RAM bank (or its end overflows 64 bits).
    case outsideRAM(address: UInt64, length: UInt64)
    /// The host refused to reserve memory for a RAM bank.
    case mapFailed(size: UInt64, errno: Int32)
    /// RAM banks were described that overlap or have zero size.
    case invalidLayout(String)

    public var description: String {
        switch self {
        case let .outsideRAM(address, length):
            "guest access of \(length) bytes at 0x\(String(address, radix: 16)) is outside guest RAM"
        case let .mapFailed(size, errno):
            "cannot reserve \(size >> 20) MiB of guest RAM (errno \(errno))"
        case let .invalidLayout(why):
            "invalid RAM layout: \(why)"
        }
    }
}
