/// What a virtio-input device says about itself through its configuration space (virtio 1.2
/// §5.8.4): name, serial, device IDs, property bits, the event codes it sends per type, and
/// the range of each absolute axis.
public struct InputProfile: Sendable, Equatable {
    /// An absolute axis's range (`struct virtio_input_absinfo`).
    public struct AxisInfo: Sendable, Equatable {
        public var minimum: UInt32, maximum: UInt32, fuzz: UInt32, flat: UInt32, resolution: UInt32

        public init(minimum: UInt32, maximum: UInt32, fuzz: UInt32 = 0, flat: UInt32 = 0, resolution: UInt32 = 0) {
            self.minimum = minimum
            self.maximum = maximum
            self.fuzz = fuzz
            self.flat = flat
            self.resolution = resolution
        }
    }

    public var name: String
    public var serial: String
    /// bustype, vendor, product, version (`struct virtio_input_devids`).
    public var ids: (bus: UInt16, vendor: UInt16, product: UInt16, version: UInt16)
    /// INPUT_PROP_* bits.
    public var properties: [UInt16]
    /// Per event type, the codes the device sends.
    public var events: [UInt16: [UInt16]]
    /// Per absolute axis, its range.
    public var axes: [UInt16: AxisInfo]

    public static func == (a: InputProfile, b: InputProfile) -> Bool {
        a.name == b.name && a.serial == b.serial && a.ids == b.ids && a.properties == b.properties
            && a.events == b.events && a.axes == b.axes
    }

    /// BUS_VIRTUAL.
    static let virtualBus: UInt16 = 0x06
    /// The vendor ID the built-in devices report (Red Hat's virtio vendor ID).
    static let vendor: UInt16 = 0x1AF4

    /// A keyboard: every ordinary key, the three lock LEDs, and autorepeat.
    public static let keyboard = InputProfile(
        name: "xemu virtio keyboard", serial: "keyboard0",
        ids: (virtualBus, vendor, 0x0001, 0x0001), properties: [],
        events: [InputEvent.typeKey: Array(1...InputCode.lastKeyboardKey),
                 InputEvent.typeLED: [InputCode.ledNumLock, InputCode.ledCapsLock, InputCode.ledScrollLock],
                 InputEvent.typeRepeat: [0]],
        axes: [:])

    /// The largest tablet coordinate: positions run 0...32767 on both axes.
    public static let tabletMaximum: UInt32 = 0x7FFF

    /// A tablet: an absolute pointer (0...32767 on X and Y), three buttons and a wheel.
    public static let tablet = InputProfile(
        name: "xemu virtio tablet", serial: "tablet0",
        ids: (virtualBus, vendor, 0x0002, 0x0001), properties: [],
        events: [InputEvent.typeKey: [InputCode.buttonLeft, InputCode.buttonRight, InputCode.buttonMiddle],
                 InputEvent.typeRelative: [InputCode.relWheel],
                 InputEvent.typeAbsolute: [InputCode.absX, InputCode.absY]],
        axes: [InputCode.absX: AxisInfo(minimum: 0, maximum: tabletMaximum),
               InputCode.absY: AxisInfo(minimum: 0, maximum: tabletMaximum)])
}
