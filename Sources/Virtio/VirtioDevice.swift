import Machine

/// A virtio device, written once against this protocol and shown unchanged behind the MMIO and
/// the PCI transport, with split or packed rings as negotiated (virtio 1.2 §2, §3).
///
/// The transport owns everything the spec puts in the transport: device status, feature
/// negotiation, queue configuration, the config generation counter and interrupts. The device
/// owns its config space and its queues' work. The life cycle is:
///
/// 1. The transport offers `deviceFeatures` plus the transport features (VERSION_1, the ring
///    formats, INDIRECT_DESC and EVENT_IDX, which the shared virtqueue engine implements for
///    every device). The driver's choice is checked with `accepts(features:)` at FEATURES_OK.
/// 2. At DRIVER_OK the transport activates every enabled queue and calls `activate(_:)` once.
/// 3. Queue notifications arrive through `notify(queue:)`, on the vCPU thread that wrote the
///    notify register: the device hands the work to its own I/O context and returns at once.
/// 4. `reset()` (the driver wrote 0 to status, or the machine resets) returns only when the
///    device has stopped touching its queues and guest memory.
public protocol VirtioDevice: AnyObject, Sendable {
    /// The virtio device ID (§5): net 1, block 2, console 3, entropy 4, 9P 9, input 18.
    var deviceID: VirtioDeviceID { get }
    /// Device-specific feature bits (0-23), plus IN_ORDER if the device completes in order.
    var deviceFeatures: UInt64 { get }
    /// Maximum size of each queue; the count is the number of queues the device has.
    var queueMaxSizes: [UInt16] { get }
    /// Size in bytes of the device-specific configuration space.
    var configSize: Int { get }

    /// Whether the device can work with the features the driver accepted (a subset of the
    /// offered ones; the transport has checked that). False refuses FEATURES_OK.
    func accepts(features: UInt64) -> Bool
    /// Reads `size` (1, 2, 4 or 8) little-endian bytes at `offset` of the config space; the
    /// transport guarantees `offset + size <= configSize`.
    func readConfig(offset: Int, size: Int) -> UInt64
    /// Writes config space, with the same guarantee. Read-only fields ignore writes.
    func writeConfig(offset: Int, size: Int, value: UInt64)
    /// Starts the device with the negotiated features and its live queues (DRIVER_OK).
    func activate(_ activation: VirtioActivation)
    /// The driver notified queue `queue` (an index below `queueMaxSizes.count`).
    func notify(queue: Int)
    /// Stops all work and forgets every queue and negotiated state.
    func reset()
}

extension VirtioDevice {
    public func accepts(features: UInt64) -> Bool { true }
}

/// What a device gets at DRIVER_OK.
public struct VirtioActivation {
    /// The features both sides agreed on (device-specific and transport bits).
    public let features: UInt64
    /// One entry per device queue: the live queue, or nil where the driver left it disabled.
    public var queues: [Virtqueue?]
    /// Guest RAM, for the buffers the chains describe.
    public let memory: GuestMemory
    /// How the device signals the driver.
    public let interrupts: any VirtioInterrupts

    public init(features: UInt64, queues: [Virtqueue?], memory: GuestMemory, interrupts: any VirtioInterrupts) {
        self.features = features
        self.queues = queues
        self.memory = memory
        self.interrupts = interrupts
    }
}

/// The transport's side of device-to-driver signalling, callable from any thread.
public protocol VirtioInterrupts: AnyObject, Sendable {
    /// Used buffers were published on `queue` and `Virtqueue.needsInterrupt()` said yes.
    func usedBuffers(queue: Int)
    /// The config space changed: the transport bumps the config generation and interrupts.
    func configChanged()
    /// A queue broke (`Virtqueue.brokenReason`): the transport sets DEVICE_NEEDS_RESET and
    /// sends a config-change interrupt (§2.1.2).
    func deviceNeedsReset()
}

/// Virtio device IDs (virtio 1.2 §5).
public enum VirtioDeviceID: UInt32, Sendable, CaseIterable {
    case net = 1
    case block = 2
    case console = 3
    case entropy = 4
    case ninePTransport = 9
    case input = 18
}
