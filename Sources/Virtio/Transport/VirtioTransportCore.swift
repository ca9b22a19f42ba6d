import Machine
import Synchronization

/// The transport-independent half of every virtio transport: device status and feature
/// negotiation (virtio 1.2 §3.1), per-queue configuration up to DRIVER_OK, activation, the
/// config generation counter, and the device's `VirtioInterrupts`.
///
/// The MMIO and PCI transports only decode their registers into calls on this type, so the
/// rules below hold identically behind both:
/// - FEATURES_OK is refused (left clear) when the driver accepted a bit that was not offered,
///   omitted VERSION_1 on a modern transport, or chose a set the device does not accept.
/// - Queues may be configured after DRIVER (legacy) or FEATURES_OK (modern) and before
///   DRIVER_OK; other queue writes are ignored. Queues run only after DRIVER_OK.
/// - A queue that fails activation, or breaks later, sets DEVICE_NEEDS_RESET followed by a
///   config-change interrupt (§2.1.2).
/// - Writing 0 to status resets every piece of device and queue state.
///
/// Register writes arrive on a vCPU thread; the interrupt methods may come from a device's
/// I/O thread, so status is kept under a lock and the generation counter is atomic.
public final class VirtioTransportCore: VirtioInterrupts, @unchecked Sendable {
    public let device: any VirtioDevice
    public let memory: GuestMemory
    /// Modern (VERSION_1 required, FEATURES_OK used) or legacy (MMIO version 1).
    public let modern: Bool
    /// Every feature bit the transport offers: the device's plus the engine's.
    public let offeredFeatures: UInt64
    /// The number of queues the device has.
    public let queueCount: Int
    /// Where interrupts go; the transport sets itself here.
    public weak var signals: (any VirtioTransportSignals)?

    /// The features the driver wrote; frozen once FEATURES_OK is accepted.
    public private(set) var driverFeatures: UInt64 = 0
    /// Each queue's driver-programmed configuration.
    public private(set) var queues: [QueueConfig]
    /// Whether DRIVER_OK activated the device.
    public private(set) var isLive = false
    /// Queues reset with QueueReset after DRIVER_OK and not yet re-enabled.
    public private(set) var queueInReset: [Bool]
    private let status = Mutex<UInt8>(0)
    private let generation = Atomic<UInt32>(0)

    /// A core for `device`, offering the ring formats `ringFormat` allows (nil: both, the
    /// driver chooses). Legacy transports offer only the low 32 bits and the split ring.
    public init(device: any VirtioDevice, memory: GuestMemory, modern: Bool, ringFormat: VirtioRingFormat? = nil) {
        self.device = device
        self.memory = memory
        self.modern = modern
        var offer = device.deviceFeatures | VirtioFeature.indirectDescriptors | VirtioFeature.eventIndex
        if modern {
            offer |= VirtioFeature.version1
            if ringFormat != .split { offer |= VirtioFeature.ringPacked }
            if device is any VirtioQueueResetting { offer |= VirtioFeature.ringReset }
        } else {
            offer &= 0xFFFF_FFFF
        }
        offeredFeatures = offer
        queueCount = device.queueMaxSizes.count
        queues = device.queueMaxSizes.map { QueueConfig(maxSize: $0) }
        queueInReset = Array(repeating: false, count: device.queueMaxSizes.count)
    }

    // MARK: Status and features

    /// The device status byte as the driver reads it.
    public var deviceStatus: UInt8 { status.withLock { $0 } }

    /// The config generation counter (§2.5.1), bumped on every device config change.
    public var configGeneration: UInt32 { generation.load(ordering: .acquiring) }

    /// The 32 offered feature bits selected by `select` (0: bits 0-31, 1: bits 32-63).
    public func offeredFeatureWord(_ select: UInt32) -> UInt32 {
        switch select {
        case 0: UInt32(truncatingIfNeeded: offeredFeatures)
        case 1: UInt32(truncatingIfNeeded: offeredFeatures >> 32)
        default: 0
        }
    }

    /// The driver's features selected by `select`, as the PCI common config reads them back.
    public func driverFeatureWord(_ select: UInt32) -> UInt32 {
        switch select {
        case 0: UInt32(truncatingIfNeeded: driverFeatures)
        case 1: UInt32(truncatingIfNeeded: driverFeatures >> 32)
        default: 0
        }
    }

    /// The driver writes 32 of its feature bits; ignored once FEATURES_OK or DRIVER_OK is set.
    public func setDriverFeatureWord(_ select: UInt32, _ value: UInt32) {
        guard deviceStatus & (VirtioStatus.featuresOK | VirtioStatus.driverOK) == 0 else { return }
        switch select {
        case 0: driverFeatures = (driverFeatures & ~0xFFFF_FFFF) | UInt64(value)
        case 1: driverFeatures = (driverFeatures & 0xFFFF_FFFF) | UInt64(value) << 32
        default: return
        }
    }

    /// The driver writes the status byte. 0 resets everything; otherwise bits are only added
    /// (a write that would clear a set bit is ignored, §2.1.1), FEATURES_OK is checked and
    /// DRIVER_OK activates the device.
    public func writeStatus(_ value: UInt8) {
        if value == 0 {
            reset()
            return
        }
        let old = deviceStatus
        let kept = old & ~VirtioStatus.deviceNeedsReset
        var new = value & ~VirtioStatus.deviceNeedsReset
        guard kept & ~new == 0 else { return }
        let added = new & ~kept
        if added & VirtioStatus.featuresOK != 0, !modern || new & VirtioStatus.driver == 0 || !featuresAcceptable() {
            new &= ~VirtioStatus.featuresOK
        }
        if added & VirtioStatus.driverOK != 0 {
            let ready = modern ? new & VirtioStatus.featuresOK != 0 : new & VirtioStatus.driver != 0
            if !ready || new & VirtioStatus.failed != 0 { new &= ~VirtioStatus.driverOK }
        }
        status.withLock { $0 = new | ($0 & VirtioStatus.deviceNeedsReset) }
        if new & VirtioStatus.driverOK != 0, added & VirtioStatus.driverOK != 0 { activate() }
    }

    private func featuresAcceptable() -> Bool {
        guard driverFeatures & ~offeredFeatures == 0 else { return false }
        guard driverFeatures & VirtioFeature.version1 != 0 else { return false }
        return device.accepts(features: driverFeatures)
    }

    /// The features in force: what the driver accepted, once the device agreed.
    public var negotiatedFeatures: UInt64 {
        let s = deviceStatus
        return modern ? (s & VirtioStatus.featuresOK != 0 ? driverFeatures : 0) : driverFeatures & offeredFeatures
    }

    private func activate() {
        let features = negotiatedFeatures
        var live: [Virtqueue?] = []
        live.reserveCapacity(queueCount)
        for index in 0..<queueCount {
            var config = queues[index]
            guard config.ready else {
                live.append(nil)
                continue
            }
            config.features = features
            queues[index] = config
            do {
                live.append(try config.activate(memory: memory))
            } catch {
                deviceNeedsReset()
                return
            }
        }
        isLive = true
        device.activate(VirtioActivation(features: features, queues: live, memory: memory, interrupts: self))
    }

    /// Resets the device and every queue (status 0, §2.1.2, or a machine reset).
    public func reset() {
        device.reset()
        driverFeatures = 0
        queues = device.queueMaxSizes.map { QueueConfig(maxSize: $0) }
        queueInReset = Array(repeating: false, count: queueCount)
        isLive = false
        status.withLock { $0 = 0 }
    }

    // MARK: Queues

    /// Whether the driver may program queue `index` now: after DRIVER (legacy) or FEATURES_OK
    /// (modern) and before DRIVER_OK, or while the queue is reset with QueueReset.
    public func canConfigure(queue index: Int) -> Bool {
        guard index >= 0, index < queueCount else { return false }
        let s = deviceStatus
        if s & VirtioStatus.deviceNeedsReset != 0 { return false }
        if s & VirtioStatus.driverOK != 0 { return queueInReset[index] }
        return modern ? s & VirtioStatus.featuresOK != 0 : s & VirtioStatus.driver != 0
    }

    /// The configuration of queue `index`, nil when out of range.
    public func queue(_ index: Int) -> QueueConfig? {
        index >= 0 && index < queueCount ? queues[index] : nil
    }

    /// Applies a driver write to queue `index`; ignored (false) when `canConfigure` says no.
    /// Enabling a queue that was reset while live hands it to the device at once.
    @discardableResult
    public func configure(queue index: Int, _ edit: (inout QueueConfig) -> Void) -> Bool {
        guard canConfigure(queue: index) else { return false }
        edit(&queues[index])
        if isLive, queueInReset[index], queues[index].ready { enableResetQueue(index) }
        return true
    }

    private func enableResetQueue(_ index: Int) {
        guard let device = device as? any VirtioQueueResetting else { return }
        queueInReset[index] = false
        var config = queues[index]
        config.features = negotiatedFeatures
        queues[index] = config
        do {
            device.enableQueue(index, try config.activate(memory: memory))
        } catch {
            deviceNeedsReset()
        }
    }

    /// QueueReset / queue_reset (§2.6.1): resets one queue of a live device when RING_RESET
    /// was negotiated; ignored otherwise.
    public func resetQueue(_ index: Int) {
        guard index >= 0, index < queueCount, isLive,
              negotiatedFeatures & VirtioFeature.ringReset != 0,
              let device = device as? any VirtioQueueResetting else { return }
        device.resetQueue(index)
        queues[index] = QueueConfig(maxSize: device.queueMaxSizes[index])
        queueInReset[index] = true
    }

    /// The driver notified queue `index`; dropped unless the device is live and the queue runs.
    public func notify(queue index: Int) {
        guard isLive, index >= 0, index < queueCount, queues[index].ready, !queueInReset[index] else { return }
        device.notify(queue: index)
    }

    // MARK: Config space

    /// A config-space read; out-of-range or odd-sized reads return 0.
    public func readConfig(offset: Int, size: Int) -> UInt64 {
        guard configAccessValid(offset: offset, size: size) else { return 0 }
        return device.readConfig(offset: offset, size: size)
    }

    /// A config-space write; out-of-range or odd-sized writes are ignored.
    public func writeConfig(offset: Int, size: Int, value: UInt64) {
        guard configAccessValid(offset: offset, size: size) else { return }
        device.writeConfig(offset: offset, size: size, value: value)
    }

    private func configAccessValid(offset: Int, size: Int) -> Bool {
        guard size == 1 || size == 2 || size == 4 || size == 8, offset >= 0 else { return false }
        return offset <= device.configSize - size
    }

    // MARK: VirtioInterrupts

    public func usedBuffers(queue: Int) {
        signals?.signalQueue(queue)
    }

    public func configChanged() {
        generation.add(1, ordering: .releasing)
        signals?.signalConfig()
    }

    public func deviceNeedsReset() {
        let set = status.withLock { s -> Bool in
            guard s != 0 else { return false }
            s |= VirtioStatus.deviceNeedsReset
            return true
        }
        if set { signals?.signalConfig() }
    }
}
