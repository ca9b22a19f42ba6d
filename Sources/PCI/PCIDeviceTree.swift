import Machine

/// The device-tree node of a generic ECAM host bridge (Linux's
/// Documentation/devicetree/bindings/pci/host-generic-pci.yaml, "pci-host-ecam-generic"), as
/// the virt boards describe it: configuration space, bus range, the CPU-to-PCI `ranges`, and
/// an `interrupt-map` giving each slot's INTA-INTD with the swizzle `PCIINTxRouter` applies.
public struct PCIDeviceTreeDescription: Sendable {
    /// One CPU-to-bus address window.
    public struct Window: Sendable {
        public var cpuAddress: UInt64
        public var pciAddress: UInt64
        public var size: UInt64

        public init(cpuAddress: UInt64, pciAddress: UInt64, size: UInt64) {
            self.cpuAddress = cpuAddress
            self.pciAddress = pciAddress
            self.size = size
        }
    }

    public var ecamBase: UInt64
    public var busCount: Int
    public var io: Window?
    public var memory32: Window
    public var memory64: Window?
    /// The interrupt controller's phandle.
    public var interruptParent: UInt32
    /// The parent's `#address-cells` (0 for the PLIC, GICv3 nodes in QEMU's virt use 2).
    public var parentAddressCells: Int
    /// The parent's interrupt specifier for each of the four INTx outputs (INTA-INTD of slot 0),
    /// e.g. `[0, 3, 4]` (SPI 3, level-high) on a GIC, `[32]` on a PLIC.
    public var intxSpecifiers: [[UInt32]]
    /// The MSI controller's phandle, when MSIs are delivered.
    public var msiParent: UInt32?

    public init(ecamBase: UInt64, busCount: Int, io: Window?, memory32: Window, memory64: Window? = nil,
                interruptParent: UInt32, parentAddressCells: Int, intxSpecifiers: [[UInt32]], msiParent: UInt32? = nil) {
        self.ecamBase = ecamBase
        self.busCount = busCount
        self.io = io
        self.memory32 = memory32
        self.memory64 = memory64
        self.interruptParent = interruptParent
        self.parentAddressCells = parentAddressCells
        self.intxSpecifiers = intxSpecifiers
        self.msiParent = msiParent
    }

    /// The node's name, `pcie@<ECAM base>`.
    public var nodeName: String { "pcie@\(String(ecamBase, radix: 16))" }

    /// The node, for a parent with `#address-cells = <2>` and `#size-cells = <2>`.
    public var node: DeviceTreeNode { DeviceTreeNode(name: nodeName, properties: properties) }

    /// The node's properties, for boards that build with `DeviceTreeBuilder`
    /// (`fdt.node(d.nodeName) { n in d.properties.forEach { n.add($0) } }`).
    public var properties: [DeviceTreeProperty] {
        precondition(intxSpecifiers.count == 4, "four INTx specifiers needed")
        func split(_ v: UInt64) -> [UInt32] { [UInt32(truncatingIfNeeded: v >> 32), UInt32(truncatingIfNeeded: v)] }
        func range(_ space: UInt32, _ w: Window) -> [UInt32] {
            [space] + split(w.pciAddress) + split(w.cpuAddress) + split(w.size)
        }
        var ranges: [UInt32] = []
        if let io { ranges += range(0x0100_0000, io) }
        ranges += range(0x0200_0000, memory32)
        if let memory64 { ranges += range(0x0300_0000, memory64) }
        var map: [UInt32] = []
        for device in 0..<4 {
            for pin in 0..<4 {
                map += [UInt32(device) << 11, 0, 0, UInt32(pin + 1), interruptParent]
                map += Array(repeating: 0, count: parentAddressCells)
                map += intxSpecifiers[PCIINTxRouter.output(device: device, pin: pin)]
            }
        }
        var properties: [DeviceTreeProperty] = [
            DeviceTreeProperty("compatible", string: "pci-host-ecam-generic"),
            DeviceTreeProperty("device_type", string: "pci"),
            DeviceTreeProperty("#address-cells", u32: 3),
            DeviceTreeProperty("#size-cells", u32: 2),
            DeviceTreeProperty("#interrupt-cells", u32: 1),
            DeviceTreeProperty("reg", u64s: [ecamBase, UInt64(busCount) << 20]),
            DeviceTreeProperty("bus-range", u32s: [0, UInt32(busCount - 1)]),
            DeviceTreeProperty("linux,pci-domain", u32: 0),
            DeviceTreeProperty("dma-coherent"),
            DeviceTreeProperty("ranges", u32s: ranges),
            DeviceTreeProperty("interrupt-map-mask", u32s: [0x1800, 0, 0, 7]),
            DeviceTreeProperty("interrupt-map", u32s: map),
        ]
        if let msiParent { properties.append(DeviceTreeProperty("msi-parent", u32: msiParent)) }
        return properties
    }
}
