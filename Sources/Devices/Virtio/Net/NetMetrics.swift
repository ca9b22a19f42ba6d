/// Counters of a virtio-net device: what crossed it and every frame it dropped, by reason.
/// A drop is always counted here, never silent.
public struct NetMetrics: Sendable, Equatable {
    /// Frames taken from the transmit queue and handed to the backend.
    public var txFrames: UInt64 = 0
    public var txBytes: UInt64 = 0
    /// Transmit frames larger than the header plus an MTU-sized Ethernet frame.
    public var txOversized: UInt64 = 0
    /// Transmit frames too short, with a bad offload request, or on a corrupt chain.
    public var txMalformed: UInt64 = 0
    /// Frames written into receive buffers.
    public var rxFrames: UInt64 = 0
    public var rxBytes: UInt64 = 0
    /// Frames from the backend that found the wait queue full (the guest posts no buffers).
    public var rxQueueFull: UInt64 = 0
    /// Frames from the backend while the driver was not running.
    public var rxNotReady: UInt64 = 0
    /// Frames that did not fit the receive buffers (no MRG_RXBUF, buffer too small).
    public var rxTooLarge: UInt64 = 0
    /// Receive chains that were unusable (read-only, shorter than the header, corrupt),
    /// completed with 0 bytes.
    public var rxBadBuffers: UInt64 = 0

    public init() {}
}
