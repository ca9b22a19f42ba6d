import Synchronization
import Machine

/// The configuration space of one type-0 PCI function (PCI Local Bus 3.0 §6.1, 4 KiB as PCIe
/// extends it): the standard header, BAR registers with sizing, the command register's
/// enables, the capability list and the INTx state.
///
/// Every register has a write mask; bytes outside it are read-only. BAR registers keep the
/// address bits the BAR's size allows, so writing all ones reads back the size mask (§6.2.5.1).
public final class PCIConfigSpace: @unchecked Sendable {
    public static let size = 4096
    /// Command register bits (§6.2.2).
    public static let commandIO: UInt16 = 1 << 0
    public static let commandMemory: UInt16 = 1 << 1
    public static let commandBusMaster: UInt16 = 1 << 2
    public static let commandInterruptDisable: UInt16 = 1 << 10
    /// Status register bits.
    static let statusInterrupt: UInt16 = 1 << 3
    static let statusCapabilities: UInt16 = 1 << 4

    private var bytes: [UInt8]
    private var writable: [UInt8]
    public private(set) var bars: [PCIBAR?] = Array(repeating: nil, count: 6)
    private var lastCapability = 0
    private var nextCapability = 0x40
    /// The wire this function's INTx pin drives (set by the host bridge at attach).
    var intxLine: InterruptLine?
    private let intxLevel = Atomic<Bool>(false)

    /// A header for a function with these IDs; `classCode` is base class, subclass and
    /// programming interface (24 bits); `interruptPin` 1-4 for INTA-INTD, 0 for none.
    public init(vendorID: UInt16, deviceID: UInt16, revision: UInt8, classCode: UInt32,
                subsystemVendorID: UInt16 = 0, subsystemID: UInt16 = 0, interruptPin: UInt8 = 1) {
        bytes = Array(repeating: 0, count: Self.size)
        writable = Array(repeating: 0, count: Self.size)
        store(0x00, vendorID)
        store(0x02, deviceID)
        bytes[0x08] = revision
        bytes[0x09] = UInt8(truncatingIfNeeded: classCode)
        bytes[0x0A] = UInt8(truncatingIfNeeded: classCode >> 8)
        bytes[0x0B] = UInt8(truncatingIfNeeded: classCode >> 16)
        store(0x2C, subsystemVendorID)
        store(0x2E, subsystemID)
        bytes[0x3D] = interruptPin
        setWritable(0x04, mask: UInt32(Self.commandIO | Self.commandMemory | Self.commandBusMaster | Self.commandInterruptDisable), width: 2)
        setWritable(0x0C, mask: 0xFF, width: 1) // cache line size
        setWritable(0x0D, mask: 0xFF, width: 1) // latency timer
        setWritable(0x3C, mask: 0xFF, width: 1) // interrupt line
    }

    // MARK: Building

    /// Declares BAR `index` (a 64-bit BAR also takes `index + 1`). `size` is rounded up to a
    /// power of two of at least 16 (memory) or 4 (I/O) bytes.
    public func addBAR(_ index: Int, kind: PCIBAR.Kind, size: UInt64) {
        let minimum: UInt64 = kind == .io ? 4 : 16
        let bar = PCIBAR(kind: kind, size: minimum, address: 0)
        precondition(index >= 0 && index < (bar.is64Bit ? 5 : 6), "BAR index out of range")
        var rounded = max(size, minimum)
        if rounded & (rounded - 1) != 0 { rounded = 1 << (64 - (rounded - 1).leadingZeroBitCount) }
        bars[index] = PCIBAR(kind: kind, size: rounded, address: 0)
        store(0x10 + 4 * index, bar.flags)
    }

    /// Appends a capability with `id` and `length` bytes (header included) to the list and
    /// returns its offset. Fields after the two header bytes start read-only.
    public func addCapability(id: UInt8, length: Int) -> Int {
        let offset = nextCapability
        precondition(offset + length <= 0x100, "capabilities exceed the 256-byte header")
        bytes[offset] = id
        bytes[offset + 1] = 0
        if lastCapability == 0 {
            bytes[0x34] = UInt8(offset)
            store(0x06, load16(0x06) | Self.statusCapabilities)
        } else {
            bytes[lastCapability + 1] = UInt8(offset)
        }
        lastCapability = offset
        nextCapability = (offset + length + 3) & ~3
        return offset
    }

    /// Makes the `width` bytes at `offset` writable under `mask`.
    public func setWritable(_ offset: Int, mask: UInt32, width: Int) {
        for i in 0..<width { writable[offset + i] = UInt8(truncatingIfNeeded: mask >> (8 * i)) }
    }

    // MARK: Raw access for the function itself

    public func load8(_ offset: Int) -> UInt8 { bytes[offset] }
    public func load16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
    public func load32(_ offset: Int) -> UInt32 { UInt32(load16(offset)) | UInt32(load16(offset + 2)) << 16 }
    public func store<T: FixedWidthInteger>(_ offset: Int, _ value: T) {
        for i in 0..<(T.bitWidth / 8) { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
    }

    // MARK: Guest access

    /// A configuration read of `size` (1, 2 or 4) bytes; out-of-range reads return all ones.
    public func read(offset: Int, size: Int) -> UInt32 {
        guard size == 1 || size == 2 || size == 4, offset >= 0, offset + size <= Self.size else { return 0xFFFF_FFFF }
        var value: UInt32 = 0
        for i in 0..<size { value |= UInt32(bytes[offset + i]) << (8 * i) }
        // Interrupt Status (status bit 3) follows the INTx level, which device threads set.
        if offset <= 0x06, offset + size > 0x06, intxLevel.load(ordering: .acquiring) {
            value |= UInt32(Self.statusInterrupt) << (8 * (0x06 - offset))
        }
        return value
    }

    /// A configuration write: masked bytes change, BAR registers keep their size alignment,
    /// INTx follows the Interrupt Disable bit.
    public func write(offset: Int, size: Int, value: UInt32) {
        guard size == 1 || size == 2 || size == 4, offset >= 0, offset + size <= Self.size else { return }
        if offset >= 0x10, offset < 0x28 {
            writeBAR(offset: offset, size: size, value: value)
            return
        }
        for i in 0..<size {
            let o = offset + i, v = UInt8(truncatingIfNeeded: value >> (8 * i))
            bytes[o] = (bytes[o] & ~writable[o]) | (v & writable[o])
        }
        if offset <= 0x05, offset + size > 0x04 { driveINTx() }
    }

    private func writeBAR(offset: Int, size: Int, value: UInt32) {
        let register = (offset - 0x10) / 4
        var merged = load32(0x10 + 4 * register)
        for i in 0..<size {
            let shift = 8 * ((offset + i) % 4)
            merged = (merged & ~(0xFF << shift)) | ((value >> (8 * UInt32(i))) & 0xFF) << shift
        }
        if let bar = bars[register] {
            let low = merged & ~UInt32(truncatingIfNeeded: bar.size - 1) & (bar.isIO ? ~3 : ~0xF)
            bars[register]!.address = (bar.address & ~0xFFFF_FFFF) | UInt64(low)
            store(0x10 + 4 * register, low | bar.flags)
        } else if register > 0, let lower = bars[register - 1], lower.is64Bit {
            let high = merged & UInt32(truncatingIfNeeded: ~(lower.size - 1) >> 32)
            bars[register - 1]!.address = (lower.address & 0xFFFF_FFFF) | UInt64(high) << 32
            store(0x10 + 4 * register, high)
        }
    }

    // MARK: Command and INTx

    public var command: UInt16 { load16(0x04) }
    public var memoryEnabled: Bool { command & Self.commandMemory != 0 }
    public var ioEnabled: Bool { command & Self.commandIO != 0 }
    public var busMasterEnabled: Bool { command & Self.commandBusMaster != 0 }

    /// The BAR holding `address` in the space of `io`, when that space's decode is enabled.
    public func bar(containing address: UInt64, io: Bool) -> (index: Int, offset: UInt64)? {
        guard io ? ioEnabled : memoryEnabled else { return nil }
        for index in 0..<6 {
            guard let bar = bars[index], bar.isIO == io, bar.address != 0, bar.contains(address) else { continue }
            return (index, address - bar.address)
        }
        return nil
    }

    /// Sets the function's INTx level; the pin is driven unless Interrupt Disable is set, and
    /// the status register's Interrupt Status bit follows the level (§6.2.3).
    public func setINTx(_ high: Bool) {
        intxLevel.store(high, ordering: .releasing)
        driveINTx()
    }

    private func driveINTx() {
        let high = intxLevel.load(ordering: .acquiring)
        intxLine?.set(high && command & Self.commandInterruptDisable == 0)
    }
}
