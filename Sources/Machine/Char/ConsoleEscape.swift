/// The console's escape key, as in QEMU's stdio console: Ctrl-A, then one command key.
///
/// A pure state machine over input bytes, so every sequence can be tested without a terminal:
/// `feed` takes each byte typed and says what it means. `Ctrl-A x` quits, `Ctrl-A Ctrl-A` sends
/// one Ctrl-A to the guest, `Ctrl-A c` asks for the monitor, `Ctrl-A h` for help; any other key
/// after Ctrl-A is dropped, and every other byte goes to the guest unchanged.
public struct ConsoleEscape: Sendable, Equatable {
    /// Ctrl-A.
    public static let escapeByte: UInt8 = 0x01

    /// What one input byte asks for.
    public enum Action: Equatable, Sendable {
        /// Give this byte to the guest.
        case send(UInt8)
        /// Stop the machine (`MachineExit.userQuit`).
        case quit
        /// Switch to the monitor.
        case monitor
        /// Show the escape keys.
        case help
    }

    /// Whether the last byte was an unconsumed Ctrl-A.
    public private(set) var awaitingCommand = false

    public init() {}

    /// The meaning of the next input byte, or nil when it only starts or ends an escape.
    public mutating func feed(_ byte: UInt8) -> Action? {
        guard awaitingCommand else {
            if byte == Self.escapeByte {
                awaitingCommand = true
                return nil
            }
            return .send(byte)
        }
        awaitingCommand = false
        switch byte {
        case Self.escapeByte: return .send(Self.escapeByte)
        case UInt8(ascii: "x"), UInt8(ascii: "X"): return .quit
        case UInt8(ascii: "c"): return .monitor
        case UInt8(ascii: "h"), UInt8(ascii: "?"): return .help
        default: return nil
        }
    }

    /// What `Ctrl-A h` prints.
    public static let helpText = """
        C-a h    print this help
        C-a x    exit xemu
        C-a c    switch to the monitor
        C-a C-a  send C-a to the guest

        """
}
