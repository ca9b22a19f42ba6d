import Machine
import Virtio

/// Everything a `NetDevice` changes, kept behind its lock (`@unchecked Sendable`: the queues
/// and the interrupt sink are only touched under it).
struct NetState: @unchecked Sendable {
    var config: NetConfigSpace
    var active = false
    var features: UInt64 = 0
    var headerSize = NetHeader.maxSize
    var rx: Virtqueue?
    var tx: Virtqueue?
    var interrupts: (any VirtioInterrupts)?
    /// Frames waiting for receive buffers.
    var waiting: FrameQueue
    /// How far the frame at the front of `waiting` got into the receive queue.
    var progress: ReceiveProgress?
    /// Transmit chains pushed since the last interrupt check.
    var transmittedSinceCheck = 0
    var metrics = NetMetrics()

    /// The MAC the card was made with, which a reset restores.
    let originalConfig: NetConfigSpace

    init(config: NetConfigSpace, waitCapacity: Int) {
        self.config = config
        originalConfig = config
        waiting = FrameQueue(capacity: waitCapacity)
    }

    /// Forgets the queues, everything waiting and a MAC a legacy driver wrote; the metrics stay.
    mutating func reset() {
        config = originalConfig
        active = false
        features = 0
        headerSize = NetHeader.maxSize
        rx = nil
        tx = nil
        interrupts = nil
        waiting.removeAll()
        progress = nil
        transmittedSinceCheck = 0
    }

    /// A queue's ring is corrupt: stop using it and ask the driver to reset the device.
    mutating func queueBroke(_ queue: Int) {
        if queue == 0 { rx = nil; progress = nil } else { tx = nil }
        interrupts?.deviceNeedsReset()
    }
}

/// A frame partly written into receive chains that are pushed but not yet published.
struct ReceiveProgress {
    /// Bytes of header plus frame written so far.
    var offset: Int
    /// Chains used so far.
    var buffers: UInt16
    /// Where the first chain's num_buffers field lies in guest RAM.
    var numBuffers: UnsafeMutableRawPointer?
}
