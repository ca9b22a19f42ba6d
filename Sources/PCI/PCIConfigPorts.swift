import Machine

/// x86's configuration mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): CONFIG_ADDRESS at port
/// 0xCF8 (enable bit 31, bus, device, function, register) and CONFIG_DATA at 0xCFC-0xCFF.
/// Register it on the port bus at 0xCF8 with size 8.
public final class PCIConfigPorts: MMIODevice {
    public static let base: UInt64 = 0xCF8
    public static let size: UInt64 = 8
    let bridge: PCIHostBridge
    private var address: UInt32 = 0

    public init(bridge: PCIHostBridge) { self.bridge = bridge }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        if offset == 0, size == 4 { return UInt64(address) }
        guard offset >= 4, let (bus, device, function, register) = target(offset, size) else {
            return size >= 8 ? UInt64.max : (1 << (8 * UInt64(size))) - 1
        }
        return UInt64(bridge.configRead(bus: bus, device: device, function: function, offset: register, size: size))
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        if offset == 0, size == 4 {
            address = UInt32(truncatingIfNeeded: value) & 0x80FF_FFFC
            return
        }
        guard offset >= 4, let (bus, device, function, register) = target(offset, size) else { return }
        bridge.configWrite(bus: bus, device: device, function: function, offset: register, size: size,
                           value: UInt32(truncatingIfNeeded: value))
    }

    /// The function and register a data-port access reaches, nil while disabled or when the
    /// access crosses the data port.
    private func target(_ offset: UInt64, _ size: Int) -> (Int, Int, Int, Int)? {
        guard address & 0x8000_0000 != 0, size <= 4, offset - 4 + UInt64(size) <= 4 else { return nil }
        return (Int(address >> 16 & 0xFF), Int(address >> 11 & 0x1F), Int(address >> 8 & 0x7),
                Int(address & 0xFC) + Int(offset - 4))
    }
}
