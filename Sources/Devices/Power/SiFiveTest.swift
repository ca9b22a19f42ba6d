import Machine

/// The "sifive,test0" finisher at 0x10_0000 on QEMU's riscv64 `virt` board: a guest ends the
/// machine by writing one 32-bit word to offset 0.
///
/// The low 16 bits select the action: 0x5555 powers off with status 0 (pass), 0x3333 powers
/// off with the status in the upper 16 bits (fail with that code), 0x7777 resets. A 16-bit
/// write counts as a 32-bit one with the upper half 0, as on QEMU: OpenSBI's driver writes the
/// codes with 16-bit stores. Any other value, any other offset, byte writes and reads are
/// ignored (reads return 0). The board gives the
/// callback that stops the CPU and reports the `MachineExit`.
public final class SiFiveTest: MMIODevice {
    /// Size of the finisher's register region on `virt`.
    public static let regionSize: UInt64 = 0x1000

    private let onExit: (MachineExit) -> Void

    /// A finisher that reports the guest's request through `onExit`.
    public init(onExit: @escaping (MachineExit) -> Void) {
        self.onExit = onExit
    }

    public func read(offset: UInt64, size: Int) -> UInt64 { 0 }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard offset == 0, size >= 2 else { return }
        let word = UInt32(truncatingIfNeeded: value)
        switch word & 0xFFFF {
        case 0x5555: onExit(.poweredOff(status: 0))
        case 0x3333: onExit(.poweredOff(status: Int32(word >> 16)))
        case 0x7777: onExit(.reset)
        default: break
        }
    }
}
