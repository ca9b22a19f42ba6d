import Synchronization

/// Guest RAM: a few banks of host memory at guest-physical addresses, with bounds-checked access.
///
/// This is the only way device models (DMA) and loaders reach guest memory; the MMIO `Bus` is a
/// separate address space, so a DMA can never re-enter a device. Every accessor refuses a range
/// that is not wholly inside one bank, including ranges whose `address + length` overflows, so a
/// guest-supplied address cannot make the host touch memory outside guest RAM.
///
/// Multi-byte values are little-endian in the guest (every board xemu models is little-endian);
/// 2-, 4- and 8-byte accessors use single host loads and stores, so ring indices and descriptors
/// shared with a running guest are never torn.
public final class GuestMemory: @unchecked Sendable {
    /// The banks, the largest first (the others in the order given): the fast paths here and in
    /// the virtio engine check the first bank before any other, and a board's main RAM is its
    /// largest bank even when a small ROM bank lies below it.
    public let banks: [RAMBank]
    /// The first bank, kept separately because the check against it is the fast path.
    @usableFromInline let primary: RAMBank
    /// Pages holding translated code; every write through this type checks it, and a device
    /// writing through a `slice` or a chain's host pointer calls `codePages.noteWrite` itself.
    public let codePages: CodePageMap
    /// `codePages.wordsByRegion`, one load closer for `noteDeviceWrite`.
    @usableFromInline let codeWordsByRegion: UnsafeMutablePointer<Atomic<UInt64>>

    /// Reserves RAM banks at the given guest-physical ranges. Banks must not overlap.
    public init(banks layout: [(base: UInt64, size: UInt64)]) throws(MemoryError) {
        guard !layout.isEmpty else { throw .invalidLayout("no RAM banks") }
        let sorted = layout.sorted { $0.base < $1.base }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.base &+ a.size > b.base {
            throw .invalidLayout("RAM banks at 0x\(String(a.base, radix: 16)) and 0x\(String(b.base, radix: 16)) overlap")
        }
        var mapped: [RAMBank] = []
        do {
            for bank in layout { mapped.append(try RAMBank.map(base: bank.base, size: bank.size)) }
        } catch {
            mapped.forEach { $0.unmap() }
            throw error
        }
        let largest = mapped.indices.max { mapped[$0].size < mapped[$1].size } ?? 0
        banks = [mapped[largest]] + mapped.indices.filter { $0 != largest }.map { mapped[$0] }
        primary = banks[0]
        codePages = CodePageMap(base: sorted[0].base, end: sorted[sorted.count - 1].base &+ sorted[sorted.count - 1].size)
        codeWordsByRegion = codePages.wordsByRegion
    }

    /// One bank of `size` bytes at `base`.
    public convenience init(base: UInt64, size: UInt64) throws(MemoryError) {
        try self.init(banks: [(base, size)])
    }

    deinit { banks.forEach { $0.unmap() } }

    /// Total bytes of RAM over all banks.
    public var totalSize: UInt64 { banks.reduce(0) { $0 + $1.size } }

    /// The host pointer for `[address, address + length)` if that range lies wholly inside one
    /// bank; nil otherwise (including when the end overflows). A zero length is valid anywhere
    /// inside a bank, including one past its last byte.
    @inlinable
    public func hostPointer(_ address: UInt64, length: UInt64) -> UnsafeMutableRawPointer? {
        let offset = address &- primary.base
        if address >= primary.base, offset <= primary.size, length <= primary.size &- offset {
            return primary.host.advanced(by: Int(truncatingIfNeeded: offset))
        }
        return slowHostPointer(address, length: length)
    }

    @usableFromInline @inline(never)
    func slowHostPointer(_ address: UInt64, length: UInt64) -> UnsafeMutableRawPointer? {
        for bank in banks.dropFirst() where address >= bank.base {
            let offset = address &- bank.base
            if offset <= bank.size, length <= bank.size &- offset {
                return bank.host.advanced(by: Int(truncatingIfNeeded: offset))
            }
        }
        return nil
    }

    /// A device is about to write `[address, address + length)`, a range `hostPointer`
    /// accepted, behind the CPUs' back: drops translated code there (`CodePageMap.noteWrite`).
    /// One atomic load when the range's 256 KiB region holds no code.
    @inlinable @inline(__always)
    public func noteDeviceWrite(inRAM address: UInt64, length: UInt64) {
        let shift = CodePageMap.regionShift
        if codeWordsByRegion[Int(truncatingIfNeeded: address >> shift)].load(ordering: .relaxed) != 0
            || (address & (1 << shift &- 1)) &+ length > 1 << shift {
            codePages.noteWriteSlow(at: address, length: length)
        }
    }

    /// A host view of guest RAM for DMA: the device reads or writes it in place, without a copy.
    @inlinable
    public func slice(at address: UInt64, length: UInt64) throws(MemoryError) -> UnsafeMutableRawBufferPointer {
        guard let p = hostPointer(address, length: length), length <= UInt64(Int.max) else {
            throw .outsideRAM(address: address, length: length)
        }
        return UnsafeMutableRawBufferPointer(start: p, count: Int(length))
    }

    /// Whether `[address, address + length)` is wholly inside one bank.
    @inlinable
    public func contains(_ address: UInt64, length: UInt64) -> Bool {
        hostPointer(address, length: length) != nil
    }

    /// Reads a little-endian integer with one host load.
    @inlinable
    public func read<T: FixedWidthInteger>(_: T.Type = T.self, at address: UInt64) throws(MemoryError) -> T {
        guard let p = hostPointer(address, length: UInt64(MemoryLayout<T>.size)) else {
            throw .outsideRAM(address: address, length: UInt64(MemoryLayout<T>.size))
        }
        return T(littleEndian: p.loadUnaligned(as: T.self))
    }

    /// Writes a little-endian integer with one host store.
    @inlinable
    public func write<T: FixedWidthInteger>(_ value: T, at address: UInt64) throws(MemoryError) {
        guard let p = hostPointer(address, length: UInt64(MemoryLayout<T>.size)) else {
            throw .outsideRAM(address: address, length: UInt64(MemoryLayout<T>.size))
        }
        p.storeBytes(of: value.littleEndian, as: T.self)
        codePages.noteWrite(at: address, length: UInt64(MemoryLayout<T>.size))
    }

    /// Copies guest bytes out to host memory.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at address: UInt64) throws(MemoryError) {
        guard buffer.count > 0 else { return }
        let source = try slice(at: address, length: UInt64(buffer.count))
        buffer.copyMemory(from: UnsafeRawBufferPointer(source))
    }

    /// Copies host bytes into guest memory.
    public func write(_ bytes: UnsafeRawBufferPointer, at address: UInt64) throws(MemoryError) {
        guard bytes.count > 0 else { return }
        let target = try slice(at: address, length: UInt64(bytes.count))
        target.copyMemory(from: bytes)
        codePages.noteWrite(at: address, length: UInt64(bytes.count))
    }

    /// Copies a byte array into guest memory (loaders, firmware tables).
    public func write(_ bytes: [UInt8], at address: UInt64) throws(MemoryError) {
        guard !bytes.isEmpty else { return }
        let target = try slice(at: address, length: UInt64(bytes.count))
        bytes.withUnsafeBytes { target.copyMemory(from: $0) }
        codePages.noteWrite(at: address, length: UInt64(bytes.count))
    }

    /// Reads `count` guest bytes into a new array (tests and loaders, not hot paths).
    public func bytes(at address: UInt64, count: Int) throws(MemoryError) -> [UInt8] {
        let source = try slice(at: address, length: UInt64(count))
        return Array(UnsafeRawBufferPointer(source))
    }

    /// Fences that order this thread's guest-memory accesses as the virtio ring protocol
    /// requires: release between writing data and publishing an index, acquire between reading
    /// an index and the data it covers, full between publishing an index and reading the other
    /// side's event index.
    @inlinable public static func releaseFence() { atomicMemoryFence(ordering: .releasing) }
    @inlinable public static func acquireFence() { atomicMemoryFence(ordering: .acquiring) }
    @inlinable public static func fullFence() { atomicMemoryFence(ordering: .sequentiallyConsistent) }
}
