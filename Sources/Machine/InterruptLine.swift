/// Something that receives wired interrupt levels: an interrupt controller (PLIC, GIC, IOAPIC)
/// or a PCI INTx router. `line` is the controller's own input number.
public protocol InterruptController: AnyObject {
    func setLevel(line: Int, high: Bool)
}

/// A wire from a device to one input of an interrupt controller.
///
/// Devices hold an `InterruptLine` and know nothing of the controller behind it, so the same
/// device model is wired to a PLIC on riscv64, a GIC on arm64 or an IOAPIC on x86.
public struct InterruptLine {
    public let controller: any InterruptController
    public let line: Int

    public init(controller: any InterruptController, line: Int) {
        self.controller = controller
        self.line = line
    }

    public func set(_ high: Bool) { controller.setLevel(line: line, high: high) }
    public func raise() { set(true) }
    public func lower() { set(false) }
}

/// A message-signalled interrupt (PCI MSI / MSI-X): a 32-bit write of `data` to `address`,
/// which the platform decodes into an interrupt for some CPU.
public struct MSIMessage: Hashable, Sendable {
    public var address: UInt64
    public var data: UInt32

    public init(address: UInt64, data: UInt32) {
        self.address = address
        self.data = data
    }
}

/// Where MSI messages go: the platform's MSI decoder (GICv3 ITS, IMSIC, or the LAPIC range).
public protocol MSIController: AnyObject {
    func deliver(_ message: MSIMessage)
}
