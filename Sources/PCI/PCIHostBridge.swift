import Machine

/// A PCI host bridge with one bus (bus 0): the functions in its slots, configuration access
/// through ECAM (PCIe §7.2.2: offset = bus << 20 | device << 15 | function << 12 | register),
/// the BAR windows through which the CPU reaches the functions' registers, INTx routing and
/// MSI delivery.
///
/// The bridge itself is the ECAM `MMIODevice`; `PCIConfigPorts` gives x86's CF8/CFC access to
/// the same functions. BARs move whenever the guest rewrites them, so boards register a
/// `PCIBARWindow` once over each whole window and the window finds the BAR on every access:
/// nothing is re-registered on the `Bus`.
public final class PCIHostBridge: MMIODevice, @unchecked Sendable {
    public private(set) var functions: [PCIAddress: any PCIFunction] = [:]
    /// Attached functions in slot order, for window lookups.
    private var ordered: [any PCIFunction] = []
    public let intx: PCIINTxRouter?
    public let msi: (any MSIController)?
    /// Number of buses the ECAM region covers (the `bus-range` is 0 ... busCount - 1).
    public let busCount: Int

    /// A bridge whose INTx pins reach `intxLines` (INTA-INTD outputs, four lines, or empty for
    /// none) and whose MSI messages go to `msi`. A host-bridge function sits at 00:00.0, as
    /// x86 kernels expect when they probe the bus.
    public init(intxLines: [InterruptLine], msi: (any MSIController)?, busCount: Int = 1) {
        intx = intxLines.isEmpty ? nil : PCIINTxRouter(outputs: intxLines)
        self.msi = msi
        self.busCount = busCount
        try! attach(PCIHostBridgeFunction(), at: PCIAddress(device: 0))
    }

    /// Puts `function` in slot `address` of bus 0 and wires its INTx pin and MSI.
    public func attach(_ function: any PCIFunction, at address: PCIAddress) throws(PCIError) {
        guard (0..<32).contains(address.device), (0..<8).contains(address.function) else {
            throw .invalidSlot(device: address.device, function: address.function)
        }
        guard functions[address] == nil else { throw .slotTaken(device: address.device, function: address.function) }
        functions[address] = function
        ordered = functions.keys.sorted().map { functions[$0]! }
        let pin = Int(function.config.load8(0x3D))
        if let intx, pin >= 1, pin <= 4 {
            function.config.intxLine = InterruptLine(controller: intx, line: address.device * 4 + pin - 1)
        }
        function.attached(msi: msi)
    }

    /// The first free device number from `start`.
    public func freeDevice(from start: Int = 1) -> Int? {
        (start..<32).first { d in !functions.keys.contains { $0.device == d } }
    }

    // MARK: Configuration access

    /// A configuration read of bus/device/function/register; absent functions read all ones.
    public func configRead(bus: Int, device: Int, function: Int, offset: Int, size: Int) -> UInt32 {
        let ones: UInt32 = size == 4 ? 0xFFFF_FFFF : (size == 2 ? 0xFFFF : 0xFF)
        guard bus == 0, size == 1 || size == 2 || size == 4, offset % size == 0,
              let f = functions[PCIAddress(device: device, function: function)] else { return ones }
        return f.readConfig(offset: offset, size: size)
    }

    /// A configuration write; writes to absent functions are dropped.
    public func configWrite(bus: Int, device: Int, function: Int, offset: Int, size: Int, value: UInt32) {
        guard bus == 0, size == 1 || size == 2 || size == 4, offset % size == 0,
              let f = functions[PCIAddress(device: device, function: function)] else { return }
        f.writeConfig(offset: offset, size: size, value: value)
    }

    // MARK: ECAM (MMIODevice)

    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard size <= 4 else { return UInt64.max }
        let (bus, device, function, register) = Self.decode(offset)
        return UInt64(configRead(bus: bus, device: device, function: function, offset: register, size: size))
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard size <= 4 else { return }
        let (bus, device, function, register) = Self.decode(offset)
        configWrite(bus: bus, device: device, function: function, offset: register, size: size, value: UInt32(truncatingIfNeeded: value))
    }

    static func decode(_ offset: UInt64) -> (Int, Int, Int, Int) {
        (Int(offset >> 20 & 0xFF), Int(offset >> 15 & 0x1F), Int(offset >> 12 & 0x7), Int(offset & 0xFFF))
    }

    /// The ECAM region size for `busCount` buses (1 MiB each).
    public var ecamSize: UInt64 { UInt64(busCount) << 20 }

    // MARK: BAR decode

    /// Finds the function and BAR decoding `pciAddress` in memory or I/O space.
    func decodeBAR(_ pciAddress: UInt64, io: Bool) -> (any PCIFunction, Int, UInt64)? {
        for f in ordered {
            if let hit = f.config.bar(containing: pciAddress, io: io) { return (f, hit.index, hit.offset) }
        }
        return nil
    }

    /// An `MMIODevice` for a window of bus addresses from `pciBase` (the board registers it at
    /// the matching CPU address); `io` selects I/O BARs instead of memory BARs.
    public func window(pciBase: UInt64, io: Bool) -> PCIBARWindow {
        PCIBARWindow(bridge: self, pciBase: pciBase, io: io)
    }
}

/// A CPU-visible window onto PCI memory or I/O space: each access is routed to whichever BAR
/// holds the address now (with that space's decode enabled), or reads all ones.
public final class PCIBARWindow: MMIODevice {
    let bridge: PCIHostBridge
    public let pciBase: UInt64
    public let io: Bool

    init(bridge: PCIHostBridge, pciBase: UInt64, io: Bool) {
        self.bridge = bridge
        self.pciBase = pciBase
        self.io = io
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard let (f, bar, barOffset) = bridge.decodeBAR(pciBase &+ offset, io: io) else {
            return size >= 8 ? UInt64.max : (1 << (8 * UInt64(size))) - 1
        }
        return f.readBAR(bar, offset: barOffset, size: size)
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard let (f, bar, barOffset) = bridge.decodeBAR(pciBase &+ offset, io: io) else { return }
        f.writeBAR(bar, offset: barOffset, size: size, value: value)
    }
}

/// The function at 00:00.0 that identifies the host bridge (class 06.00.00).
final class PCIHostBridgeFunction: PCIFunction {
    let config = PCIConfigSpace(vendorID: 0x1B36, deviceID: 0x0008, revision: 0, classCode: 0x06_00_00, interruptPin: 0)
    func readBAR(_ bar: Int, offset: UInt64, size: Int) -> UInt64 { 0 }
    func writeBAR(_ bar: Int, offset: UInt64, size: Int, value: UInt64) {}
}
