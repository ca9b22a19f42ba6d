import Machine

/// One PCI function as the host bridge sees it: a configuration space and the registers its
/// BARs decode. Functions that intercept parts of configuration space (MSI-X control, a
/// virtio PCI-config-access window) override `readConfig`/`writeConfig`.
public protocol PCIFunction: AnyObject {
    var config: PCIConfigSpace { get }
    /// A configuration read (1, 2 or 4 bytes).
    func readConfig(offset: Int, size: Int) -> UInt32
    /// A configuration write (1, 2 or 4 bytes).
    func writeConfig(offset: Int, size: Int, value: UInt32)
    /// A read inside BAR `bar` at `offset` (only while that space's decode is enabled).
    func readBAR(_ bar: Int, offset: UInt64, size: Int) -> UInt64
    /// A write inside BAR `bar` at `offset` (only while that space's decode is enabled).
    func writeBAR(_ bar: Int, offset: UInt64, size: Int, value: UInt64)
    /// The host bridge attached the function; `msi` is where its MSI/MSI-X messages go.
    func attached(msi: (any MSIController)?)
}

extension PCIFunction {
    public func readConfig(offset: Int, size: Int) -> UInt32 { config.read(offset: offset, size: size) }
    public func writeConfig(offset: Int, size: Int, value: UInt32) { config.write(offset: offset, size: size, value: value) }
    public func attached(msi: (any MSIController)?) {}
}

/// A bus/device/function triple (bus 0 only: the host bridge has no bridges behind it).
public struct PCIAddress: Hashable, Sendable, Comparable {
    public var device: Int
    public var function: Int

    public init(device: Int, function: Int = 0) {
        self.device = device
        self.function = function
    }

    public static func < (a: PCIAddress, b: PCIAddress) -> Bool {
        (a.device, a.function) < (b.device, b.function)
    }
}
