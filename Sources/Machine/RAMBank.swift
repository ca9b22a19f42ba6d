#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One contiguous range of guest RAM backed by an anonymous host mapping.
///
/// The mapping is reserved lazily by the host kernel (untouched pages cost nothing), so a
/// 4 GiB guest starts as fast as a 64 MiB one.
public struct RAMBank: @unchecked Sendable {
    public let base: UInt64
    public let size: UInt64
    public let host: UnsafeMutableRawPointer

    /// The last guest-physical address inside the bank plus one; never overflows because
    /// `GuestMemory` refuses banks that would wrap.
    @inlinable public var end: UInt64 { base &+ size }

    static func map(base: UInt64, size: UInt64) throws(MemoryError) -> RAMBank {
        guard size > 0 else { throw .invalidLayout("a RAM bank at 0x\(String(base, radix: 16)) has zero size") }
        guard base.addingReportingOverflow(size).overflow == false else {
            throw .invalidLayout("a RAM bank at 0x\(String(base, radix: 16)) wraps the address space")
        }
        // The guest-physical address is only a hint, which the host kernel takes when that range
        // of the host's address space is free (usually: guest RAM sits low, the host's own
        // mappings high). Then host and guest addresses are equal, and compiled code accesses RAM
        // at the guest address itself instead of adding a 64-bit offset held in a register.
        let hint = UnsafeMutableRawPointer(bitPattern: UInt(truncatingIfNeeded: base))
        let p = mmap(hint, Int(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let p, p != MAP_FAILED else { throw .mapFailed(size: size, errno: errno) }
        return RAMBank(base: base, size: size, host: p)
    }

    func unmap() { munmap(host, Int(size)) }
}
