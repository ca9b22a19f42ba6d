import Machine
import Synchronization
import Virtio

/// A virtio input device (virtio 1.2 §5.8): a keyboard or a tablet (absolute pointer) that a
/// front end (a window, VNC, a test) feeds with evdev events.
///
/// Queue 0 (eventq) carries events to the driver, one 8-byte event per buffer; queue 1
/// (statusq) brings the driver's LED changes back. Every `send(_:)` is one report: its events
/// followed by SYN_REPORT, delivered whole or, if the bounded backlog is full, dropped whole
/// (counted in `droppedReports`). Events wait while the driver has no buffers posted.
///
/// The work is a few 8-byte copies, so it runs on the caller's thread under the device's lock:
/// `send` delivers at once when buffers are there, and `notify(queue:)` (the vCPU thread)
/// delivers the backlog or reads LED events without ever waiting for host I/O.
public final class InputDevice: VirtioDevice, @unchecked Sendable {
    /// Events that wait for buffers at most.
    public static let backlogCapacity = 1024

    public let profile: InputProfile
    private let queueSize: UInt16
    private let state: Mutex<InputState>

    /// A device describing itself as `profile`, with queues of up to `queueSize` entries.
    public init(profile: InputProfile, queueSize: UInt16 = 64) {
        self.profile = profile
        self.queueSize = queueSize
        state = Mutex(InputState(config: InputConfigSpace(profile: profile)))
    }

    /// A keyboard (`InputProfile.keyboard`).
    public static func keyboard() -> InputDevice { InputDevice(profile: .keyboard) }

    /// A tablet: absolute X and Y in 0...32767, three buttons, a wheel (`InputProfile.tablet`).
    public static func tablet() -> InputDevice { InputDevice(profile: .tablet) }

    // MARK: The front end's side

    /// Sends one report: `events`, then SYN_REPORT. Returns false when the backlog had no room
    /// for all of it (the report is dropped whole and counted).
    @discardableResult
    public func send(_ events: [InputEvent]) -> Bool {
        state.withLock { state in
            guard state.backlog.count + events.count + 1 <= Self.backlogCapacity else {
                state.droppedReports &+= 1
                return false
            }
            state.backlog.append(contentsOf: events)
            state.backlog.append(.syncReport)
            state.deliver()
            return true
        }
    }

    /// A key press or release (Linux KEY_* code).
    @discardableResult
    public func key(_ code: UInt16, pressed: Bool) -> Bool { send([.key(code, pressed: pressed)]) }

    /// Moves the tablet pointer to (`x`, `y`), each in 0...32767 (larger values are clamped).
    @discardableResult
    public func movePointer(x: UInt32, y: UInt32) -> Bool {
        send([.absolute(InputCode.absX, min(x, InputProfile.tabletMaximum)),
              .absolute(InputCode.absY, min(y, InputProfile.tabletMaximum))])
    }

    /// A wheel movement in clicks (positive: away from the user).
    @discardableResult
    public func scroll(_ clicks: Int32) -> Bool { send([.relative(InputCode.relWheel, clicks)]) }

    /// Reports dropped because the backlog was full.
    public var droppedReports: UInt64 { state.withLock { $0.droppedReports } }

    /// The LEDs the driver last set (bit n for LED code n: num, caps, scroll lock).
    public var leds: UInt16 { state.withLock { $0.leds } }

    /// Events waiting for buffers.
    public var backlogCount: Int { state.withLock { $0.backlog.count } }

    // MARK: VirtioDevice

    public var deviceID: VirtioDeviceID { .input }
    public var deviceFeatures: UInt64 { 0 }
    public var queueMaxSizes: [UInt16] { [queueSize, queueSize] }
    public var configSize: Int { InputConfigSpace.size }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        state.withLock { $0.config.read(offset: offset, size: size) }
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {
        state.withLock { $0.config.write(offset: offset, size: size, value: value) }
    }

    public func activate(_ activation: VirtioActivation) {
        state.withLock { state in
            state.events = activation.queues.first ?? nil
            state.status = activation.queues.count > 1 ? activation.queues[1] : nil
            state.interrupts = activation.interrupts
            state.deliver()
            state.readStatus()
        }
    }

    public func notify(queue: Int) {
        state.withLock { state in
            if queue == 0 { state.deliver() } else if queue == 1 { state.readStatus() }
        }
    }

    /// Forgets the queues and the backlog; the configuration selection and LEDs go back to 0.
    public func reset() {
        state.withLock { state in
            state = InputState(config: InputConfigSpace(profile: profile), droppedReports: state.droppedReports)
        }
    }
}
