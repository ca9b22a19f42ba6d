/// One evdev event as virtio-input carries it (`struct virtio_input_event`, virtio 1.2 §5.8.6):
/// type, code and value, little-endian, 8 bytes. Types and codes are Linux's input event codes.
public struct InputEvent: Sendable, Equatable {
    public var type: UInt16
    public var code: UInt16
    public var value: UInt32

    public init(type: UInt16, code: UInt16, value: UInt32) {
        self.type = type
        self.code = code
        self.value = value
    }

    /// The event's size on the queue.
    public static let size = 8

    /// Synchronisation (EV_SYN).
    public static let typeSync: UInt16 = 0x00
    /// Keys and buttons (EV_KEY).
    public static let typeKey: UInt16 = 0x01
    /// Relative axes (EV_REL).
    public static let typeRelative: UInt16 = 0x02
    /// Absolute axes (EV_ABS).
    public static let typeAbsolute: UInt16 = 0x03
    /// LEDs (EV_LED), sent by the driver on the status queue.
    public static let typeLED: UInt16 = 0x11
    /// Autorepeat (EV_REP): a keyboard that answers for it gets autorepeat from the driver.
    public static let typeRepeat: UInt16 = 0x14

    /// SYN_REPORT: the end of one report (a group of events that belong together).
    public static let syncReport = InputEvent(type: typeSync, code: 0, value: 0)

    /// A key or button going down (`pressed`) or up.
    public static func key(_ code: UInt16, pressed: Bool) -> InputEvent {
        InputEvent(type: typeKey, code: code, value: pressed ? 1 : 0)
    }

    /// An absolute axis position.
    public static func absolute(_ axis: UInt16, _ value: UInt32) -> InputEvent {
        InputEvent(type: typeAbsolute, code: axis, value: value)
    }

    /// A relative axis movement (a wheel click is 1 or -1).
    public static func relative(_ axis: UInt16, _ delta: Int32) -> InputEvent {
        InputEvent(type: typeRelative, code: axis, value: UInt32(bitPattern: delta))
    }
}

/// Linux input codes the built-in devices use.
public enum InputCode {
    public static let absX: UInt16 = 0x00
    public static let absY: UInt16 = 0x01
    public static let relWheel: UInt16 = 0x08
    public static let buttonLeft: UInt16 = 0x110
    public static let buttonRight: UInt16 = 0x111
    public static let buttonMiddle: UInt16 = 0x112
    public static let ledNumLock: UInt16 = 0x00
    public static let ledCapsLock: UInt16 = 0x01
    public static let ledScrollLock: UInt16 = 0x02
    /// The highest ordinary keyboard key code a keyboard reports (KEY_MICMUTE is 248).
    public static let lastKeyboardKey: UInt16 = 0xF8
}
