/// Device status bits (virtio 1.2 §2.1): the driver sets them in order during initialization;
/// the device sets DEVICE_NEEDS_RESET when it cannot continue.
public enum VirtioStatus {
    public static let acknowledge: UInt8 = 1
    public static let driver: UInt8 = 2
    public static let driverOK: UInt8 = 4
    public static let featuresOK: UInt8 = 8
    public static let deviceNeedsReset: UInt8 = 0x40
    public static let failed: UInt8 = 0x80
}

/// How a transport interrupts the driver; the shared `VirtioTransportCore` calls it.
///
/// MMIO raises its interrupt line with an InterruptStatus bit; PCI sends the MSI-X vector
/// mapped to the queue or to config changes, or sets an ISR bit and asserts INTx.
public protocol VirtioTransportSignals: AnyObject, Sendable {
    /// Used buffers on `queue` need the driver's attention.
    func signalQueue(_ queue: Int)
    /// The configuration changed, or the device needs a reset.
    func signalConfig()
}

/// A device that can reset and re-enable one queue while the others keep running
/// (VIRTIO_F_RING_RESET, virtio 1.2 §2.6.1). The transports offer the feature only to devices
/// that conform.
public protocol VirtioQueueResetting: VirtioDevice {
    /// Stops using `queue` and forgets it; returns when the device no longer touches it.
    func resetQueue(_ queue: Int)
    /// The driver re-enabled `queue` after a reset, with this live queue.
    func enableQueue(_ queue: Int, _ virtqueue: Virtqueue)
}
