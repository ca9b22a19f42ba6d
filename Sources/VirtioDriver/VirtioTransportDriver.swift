import Machine
import Virtio

/// Why a driver-side initialization stopped, worded as Linux's drivers report it.
public enum VirtioDriverError: Error, Equatable, Sendable {
    /// No virtio device answers at this address (bad magic or vendor, or device ID 0).
    case noDevice
    /// The transport reports a version this driver does not know.
    case unsupportedVersion(UInt32)
    /// A modern transport did not offer VIRTIO_F_VERSION_1.
    case version1Missing
    /// The device cleared FEATURES_OK: it refused the features the driver chose.
    case featuresRefused
    /// The queue is absent (maximum size 0) or the selector is past the last queue.
    case queueUnavailable(Int)
    /// The queue was already enabled before the driver set it up.
    case queueAlreadyLive(Int)
    /// The device answered NO_VECTOR for an MSI-X vector assignment.
    case vectorRefused(Int)
    /// A required virtio PCI capability is missing or points outside its BAR.
    case missingCapability(UInt8)
    /// Guest RAM could not hold the rings at the requested address.
    case ringsOutsideRAM
}

/// A driver-side model of one transport's register protocol, as Linux's transport drivers
/// (virtio_mmio.c, virtio_pci_modern.c) drive it, so that one test body runs behind each.
public protocol VirtioTransportDriver: AnyObject {
    /// The rings set up by the last `initialize`, one per queue.
    var queues: [GuestDriver] { get }
    /// The features the driver negotiated.
    var features: UInt64 { get }
    /// The device status byte.
    var status: UInt8 { get }
    /// The most buffers one chain may hold (sizes each ring's indirect tables); set before
    /// `initialize`.
    var maxSegments: Int { get set }
    /// Resets the device, negotiates `wanted ∩ offered`, sets up `queueCount` queues of at
    /// most `queueSize` with rings from `ringBase`, and sets DRIVER_OK (§3.1.1).
    func initialize(wanted: UInt64, queueCount: Int, queueSize: UInt16, ringBase: UInt64) throws(VirtioDriverError)
    /// Notifies queue `index`.
    func kick(_ index: Int)
    /// Reads and acknowledges the interrupt cause (MMIO InterruptStatus, PCI ISR):
    /// bit 0 used buffers, bit 1 configuration change.
    func interruptCause() -> UInt32
    /// Writes 0 to status and waits for it to read back 0.
    func reset()
    /// Reads `size` bytes of device configuration at `offset`.
    func readConfig(offset: Int, size: Int) -> UInt64
    /// Writes device configuration.
    func writeConfig(offset: Int, size: Int, value: UInt64)
}

extension VirtioTransportDriver {
    /// Rings of a queue laid out from `base` for `features`, in the layout the transport needs.
    static func rings(memory: GuestMemory, size: UInt16, features: UInt64, base: UInt64, maxSegments: Int,
                      legacyAlign: UInt64? = nil) throws(VirtioDriverError) -> GuestDriver {
        do {
            if let align = legacyAlign {
                var layout = DriverLayout(base: base, size: Int(size), packed: false, maxSegments: maxSegments)
                let n = UInt64(size)
                layout.descriptorArea = (base + align - 1) & ~(align - 1)
                layout.driverArea = layout.descriptorArea + 16 * n
                layout.deviceArea = (layout.driverArea + 6 + 2 * n + align - 1) & ~(align - 1)
                layout.indirectArea = (layout.deviceArea + 6 + 8 * n + 63) & ~63
                layout.end = layout.indirectArea + n * UInt64(maxSegments) * 16
                return .split(try SplitDriver(memory: memory, layout: layout, size: size, features: features))
            }
            return try GuestDriver(memory: memory, size: size, features: features, base: base, maxSegments: maxSegments)
        } catch {
            throw .ringsOutsideRAM
        }
    }
}
