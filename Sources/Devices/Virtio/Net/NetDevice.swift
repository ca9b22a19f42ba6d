import Machine
import Synchronization
import Virtio

/// A virtio network card (virtio 1.2 §5.1) in front of a `NetBackend` (user-mode networking
/// through libslirp in a running machine).
///
/// Queue 0 receives, queue 1 transmits. It offers MAC, STATUS (the link is always up), MTU,
/// MRG_RXBUF (a frame spread over several receive chains), CSUM (it completes partial checksums
/// the driver leaves) and GUEST_CSUM (frames it delivers are marked DATA_VALID); no
/// segmentation offload, so no frame is larger than the MTU plus the Ethernet header.
///
/// All queue work runs on the backend's event loop thread: `notify(queue:)` only schedules it,
/// and frames from the backend arrive there already, so the loop must be running (the board
/// calls `EventLoop.start()`) for anything to move. Frames that find no receive buffer wait in
/// a bounded queue; everything dropped is counted in `metrics`. The device's state sits behind
/// one lock, which `reset()` takes, so once it returns no work touches the queues or guest RAM.
public final class NetDevice<Backend: NetBackend>: VirtioDevice, NetFrameReceiver, @unchecked Sendable {
    /// QEMU's default guest MAC address.
    public static var defaultMAC: [UInt8] { [0x52, 0x54, 0x00, 0x12, 0x34, 0x56] }
    /// The receive and transmit queue indices.
    public static var receiveQueue: Int { 0 }
    public static var transmitQueue: Int { 1 }
    /// Transmit chains handled per turn on the loop before other work gets a turn.
    static var transmitBudget: Int { 256 }

    public let backend: Backend
    public let mac: [UInt8]
    private let queueSize: UInt16
    let state: Mutex<NetState>
    private let transmitScheduled = Atomic<Bool>(false)
    private let receiveScheduled = Atomic<Bool>(false)
    /// Where a transmitted frame is gathered; used on the loop's thread only.
    private let staging: UnsafeMutableRawBufferPointer

    /// A card on `backend` with MAC address `mac` and queues of up to `queueSize` entries.
    public init(backend: Backend, mac: [UInt8] = NetDevice.defaultMAC, queueSize: UInt16 = 256) {
        precondition(mac.count == 6, "a MAC address has six bytes")
        self.backend = backend
        self.mac = mac
        self.queueSize = queueSize
        state = Mutex(NetState(config: NetConfigSpace(mac: mac, mtu: NetLimits.mtu, linkUp: true),
                               waitCapacity: NetLimits.waitQueueCapacity))
        staging = .allocate(byteCount: NetHeader.maxSize + NetLimits.maxFrameLength + 1, alignment: 16)
        backend.setReceiver(self)
    }

    deinit {
        backend.setReceiver(nil)
        staging.deallocate()
    }

    /// What the device has moved and dropped so far.
    public var metrics: NetMetrics { state.withLock { $0.metrics } }

    // MARK: VirtioDevice

    public var deviceID: VirtioDeviceID { .net }
    public var deviceFeatures: UInt64 { NetFeature.offered }
    public var queueMaxSizes: [UInt16] { [queueSize, queueSize] }
    public var configSize: Int { NetConfigSpace.size }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        state.withLock { $0.config.read(offset: offset, size: size) }
    }

    /// Status and MTU are read-only. The MAC is too, except for a legacy driver (no VERSION_1),
    /// which sets its address by writing it here (virtio 1.2 §5.1.4.3).
    public func writeConfig(offset: Int, size: Int, value: UInt64) {
        state.withLock { state in
            guard state.features & VirtioFeature.version1 == 0 else { return }
            state.config.writeMAC(offset: offset, size: size, value: value)
        }
    }

    public func activate(_ activation: VirtioActivation) {
        state.withLock { state in
            state.features = activation.features
            state.headerSize = NetHeader.size(features: activation.features)
            state.rx = activation.queues.indices.contains(Self.receiveQueue) ? activation.queues[Self.receiveQueue] : nil
            state.tx = activation.queues.indices.contains(Self.transmitQueue) ? activation.queues[Self.transmitQueue] : nil
            state.interrupts = activation.interrupts
            state.active = true
        }
        scheduleTransmit()
        scheduleReceive()
    }

    public func notify(queue: Int) {
        if queue == Self.transmitQueue { scheduleTransmit() } else if queue == Self.receiveQueue { scheduleReceive() }
    }

    public func reset() {
        state.withLock { $0.reset() }
    }

    // MARK: Scheduling on the loop

    private func scheduleTransmit() {
        guard !transmitScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        backend.eventLoop.perform { [self] in transmit() }
    }

    private func scheduleReceive() {
        guard !receiveScheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        backend.eventLoop.perform { [self] in
            receiveScheduled.store(false, ordering: .releasing)
            state.withLock { $0.deliverWaiting() }
        }
    }

    /// Sends what the driver queued, a chain at a time: gathered under the lock, handed to the
    /// backend outside it (the backend may answer at once, into `receive(_:)`).
    private func transmit() {
        transmitScheduled.store(false, ordering: .releasing)
        for _ in 0..<Self.transmitBudget {
            let outcome = state.withLock { $0.nextTransmitFrame(into: staging) }
            switch outcome {
            case .idle: return
            case .dropped: continue
            case let .frame(offset, length):
                backend.send(UnsafeRawBufferPointer(rebasing: staging[offset..<(offset + length)]))
            }
        }
        scheduleTransmit()
    }

    // MARK: NetFrameReceiver

    public func receive(_ frame: UnsafeRawBufferPointer) {
        state.withLock { $0.accept(frame) }
    }
}

extension NetDevice where Backend == SlirpBackend {
    /// A card on a new user-mode network (`--netdev user,...`): slirp with the configuration's
    /// host forwards, on `eventLoop`, with the configuration's MAC or QEMU's default one.
    public convenience init(netdev: NetdevConfiguration, eventLoop: EventLoop, queueSize: UInt16 = 256) throws(NetBackendError) {
        let backend = try SlirpBackend(configuration: netdev, eventLoop: eventLoop)
        self.init(backend: backend, mac: netdev.mac ?? Self.defaultMAC, queueSize: queueSize)
    }
}
