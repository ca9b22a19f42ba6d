import Machine
import Synchronization

/// Routes the INTx pins of every function on the bus to the platform's four INTx inputs,
/// with the standard swizzle: device `d`'s pin `p` (INTA = 0) drives output `(d + p) % 4`,
/// as QEMU's generic ECAM host does and as the DTB's `interrupt-map` says. Outputs are wired-OR:
/// a line stays high while any function asserts it.
///
/// Each function's pin is an input of this controller numbered `device * 4 + pin`.
public final class PCIINTxRouter: InterruptController, @unchecked Sendable {
    public let outputs: [InterruptLine]
    private let asserted: Mutex<[Set<Int>]>

    /// `outputs` are the platform inputs for INTA..INTD (exactly four).
    public init(outputs: [InterruptLine]) {
        precondition(outputs.count == 4, "PCI INTx routing needs four lines")
        self.outputs = outputs
        asserted = Mutex(Array(repeating: [], count: 4))
    }

    /// The output a device's pin (0-3 for INTA-INTD) reaches.
    public static func output(device: Int, pin: Int) -> Int { (device + pin) % 4 }

    public func setLevel(line: Int, high: Bool) {
        let device = line / 4, pin = line % 4
        let output = Self.output(device: device, pin: pin)
        let level = asserted.withLock { sets -> Bool in
            if high { sets[output].insert(line) } else { sets[output].remove(line) }
            return !sets[output].isEmpty
        }
        outputs[output].set(level)
    }
}
