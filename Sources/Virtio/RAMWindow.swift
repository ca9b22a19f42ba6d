import Machine

/// Guest RAM as the engine checks buffers against it: the first bank's range and host base
/// held inline (no reference counting, no indirection on the common path), the whole
/// `GuestMemory` for buffers in other banks.
@usableFromInline
struct RAMWindow {
    @usableFromInline let base: UInt64
    @usableFromInline let size: UInt64
    @usableFromInline let host: UnsafeMutableRawPointer
    @usableFromInline let memory: Unmanaged<GuestMemory>

    @usableFromInline
    init(_ memory: GuestMemory) {
        let bank = memory.banks[0]
        base = bank.base
        size = bank.size
        host = bank.host
        self.memory = .passUnretained(memory)
    }

    /// The device is handed `[address, address + length)` to write: drops translated code
    /// there first. Reached through `memory` rather than held here, so that the window (copied
    /// into every chain) does not grow.
    @inlinable @inline(always)
    func noteDeviceWrite(_ address: UInt64, length: UInt32) {
        memory._withUnsafeGuaranteedRef { $0.noteDeviceWrite(inRAM: address, length: UInt64(length)) }
    }

    /// The host pointer of `[address, address + length)` if it lies wholly inside one bank.
    @inlinable @inline(always)
    func hostPointer(_ address: UInt64, length: UInt64) -> UnsafeMutableRawPointer? {
        let offset = address &- base
        // Marked likely, so that the values a caller's loop keeps across the other banks' call
        // are saved on that path only, not around every buffer.
        if _fastPath(address >= base && offset <= size && length <= size &- offset) {
            return host.advanced(by: Int(truncatingIfNeeded: offset))
        }
        return memory._withUnsafeGuaranteedRef { $0.hostPointer(address, length: length) }
    }
}
