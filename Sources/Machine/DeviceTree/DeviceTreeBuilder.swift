/// Builds a `DeviceTree` top-down, the way a board describes its machine: open a node, give it
/// properties, open its children, close it.
///
/// ```swift
/// var fdt = DeviceTreeBuilder()
/// fdt.property("#address-cells", u32: 2)
/// fdt.node("memory@80000000") { fdt in
///     fdt.property("device_type", string: "memory")
///     fdt.property("reg", u64s: [0x8000_0000, 512 << 20])
/// }
/// let blob = fdt.finish().flattened()
/// ```
///
/// Misuse (closing more nodes than were opened, finishing with nodes open, a property name
/// given twice on one node) is a bug in the board, not in its input, and traps.
public struct DeviceTreeBuilder: Sendable {
    /// Open nodes, root first; the last one receives properties and children.
    private var open: [DeviceTreeNode] = [DeviceTreeNode(name: "")]
    private var reservations: [DeviceTreeReservation] = []
    private var lastPhandle: UInt32 = 0
    /// `boot_cpuid_phys` in the header.
    public var bootCPUID: UInt32 = 0

    public init() {}

    /// Opens a child of the current node; properties and children go to it until `endNode`.
    public mutating func beginNode(_ name: String) {
        precondition(!name.isEmpty && !name.contains("/"), "invalid device tree node name '\(name)'")
        open.append(DeviceTreeNode(name: name))
    }

    /// Closes the current node and attaches it to its parent.
    public mutating func endNode() {
        precondition(open.count > 1, "endNode() without a matching beginNode()")
        let node = open.removeLast()
        open[open.count - 1].children.append(node)
    }

    /// Opens `name`, runs `body` to fill it, and closes it.
    public mutating func node(_ name: String, _ body: (inout DeviceTreeBuilder) -> Void) {
        beginNode(name)
        body(&self)
        endNode()
    }

    /// Adds a property to the current node.
    public mutating func add(_ property: DeviceTreeProperty) {
        let current = open.count - 1
        precondition(open[current][property: property.name] == nil,
                     "property '\(property.name)' given twice on node '\(open[current].name)'")
        open[current].properties.append(property)
    }

    /// An empty (boolean) property such as `interrupt-controller` or `ranges`.
    public mutating func property(_ name: String) { add(DeviceTreeProperty(name)) }
    public mutating func property(_ name: String, u32: UInt32) { add(DeviceTreeProperty(name, u32: u32)) }
    public mutating func property(_ name: String, u64: UInt64) { add(DeviceTreeProperty(name, u64: u64)) }
    public mutating func property(_ name: String, u32s: [UInt32]) { add(DeviceTreeProperty(name, u32s: u32s)) }
    public mutating func property(_ name: String, u64s: [UInt64]) { add(DeviceTreeProperty(name, u64s: u64s)) }
    public mutating func property(_ name: String, string: String) { add(DeviceTreeProperty(name, string: string)) }
    public mutating func property(_ name: String, strings: [String]) { add(DeviceTreeProperty(name, strings: strings)) }
    public mutating func property(_ name: String, bytes: [UInt8]) { add(DeviceTreeProperty(name, bytes: bytes)) }
    /// A reference to another node (`interrupt-parent`, `clocks`): one cell holding its phandle.
    public mutating func property(_ name: String, phandle: DeviceTreePhandle) { add(DeviceTreeProperty(name, u32: phandle.value)) }

    /// A new phandle, unique in this tree. Give it to its node with `setPhandle` (before or
    /// after other nodes refer to it).
    public mutating func allocatePhandle() -> DeviceTreePhandle {
        lastPhandle += 1
        return DeviceTreePhandle(value: lastPhandle)
    }

    /// Makes `phandle` the current node's phandle (its `phandle` property).
    public mutating func setPhandle(_ phandle: DeviceTreePhandle) {
        property("phandle", u32: phandle.value)
    }

    /// Adds a memory reservation block entry.
    public mutating func reserveMemory(address: UInt64, size: UInt64) {
        reservations.append(DeviceTreeReservation(address: address, size: size))
    }

    /// The finished tree. Every node opened must have been closed.
    public func finish() -> DeviceTree {
        precondition(open.count == 1, "device tree node '\(open.last!.name)' was never closed")
        return DeviceTree(root: open[0], reservations: reservations, bootCPUID: bootCPUID)
    }
}

/// A node's handle for references from other nodes (Devicetree Specification v0.4 §2.3.3).
public struct DeviceTreePhandle: Hashable, Sendable {
    public let value: UInt32
}
