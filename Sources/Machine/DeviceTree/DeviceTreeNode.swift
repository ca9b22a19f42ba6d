/// A node of a device tree: a name (`node-name@unit-address`, Devicetree Specification v0.4
/// §2.2.1), its properties in order, and its children in order.
///
/// A plain value, so a board can build one, a test can compare two, and the reader returns the
/// same shape the writer takes.
public struct DeviceTreeNode: Equatable, Sendable {
    /// The node's name; the root node's name is empty.
    public var name: String
    public var properties: [DeviceTreeProperty]
    public var children: [DeviceTreeNode]

    public init(name: String, properties: [DeviceTreeProperty] = [], children: [DeviceTreeNode] = []) {
        self.name = name
        self.properties = properties
        self.children = children
    }

    /// The property called `name`, if the node has one.
    public subscript(property name: String) -> DeviceTreeProperty? {
        properties.first { $0.name == name }
    }

    /// The direct child called `name` (the full `name@unit` form).
    public func child(named name: String) -> DeviceTreeNode? {
        children.first { $0.name == name }
    }

    /// The descendant at a `/`-separated path relative to this node ("soc/serial@10000000");
    /// an empty path is this node.
    public func node(at path: String) -> DeviceTreeNode? {
        var node = self
        for component in path.split(separator: "/") {
            guard let next = node.child(named: String(component)) else { return nil }
            node = next
        }
        return node
    }
}

/// A memory reservation block entry (Devicetree Specification v0.4 §5.3): physical memory the
/// client program must not use, such as firmware that stays resident.
public struct DeviceTreeReservation: Equatable, Sendable {
    public var address: UInt64
    public var size: UInt64

    public init(address: UInt64, size: UInt64) {
        self.address = address
        self.size = size
    }
}

/// A whole device tree: the node tree plus the header facts a flattened blob carries.
///
/// `flattened()` writes it as an FDT version 17 blob (Devicetree Specification v0.4 chapter 5);
/// `init(flattened:)` parses one back.
public struct DeviceTree: Equatable, Sendable {
    public var root: DeviceTreeNode
    public var reservations: [DeviceTreeReservation]
    /// The physical id of the CPU that boots (`boot_cpuid_phys`, §5.2).
    public var bootCPUID: UInt32

    public init(root: DeviceTreeNode, reservations: [DeviceTreeReservation] = [], bootCPUID: UInt32 = 0) {
        self.root = root
        self.reservations = reservations
        self.bootCPUID = bootCPUID
    }
}

/// The fixed numbers of the flattened format (Devicetree Specification v0.4 §5.1-5.4).
enum FDT {
    static let magic: UInt32 = 0xD00D_FEED
    static let version: UInt32 = 17
    static let lastCompatibleVersion: UInt32 = 16
    static let headerSize = 40
    static let beginNode: UInt32 = 1
    static let endNode: UInt32 = 2
    static let prop: UInt32 = 3
    static let nop: UInt32 = 4
    static let end: UInt32 = 9
}
