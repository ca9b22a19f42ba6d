/// Where the virtio-pci function puts its structures (virtio 1.2 §4.1.4): BAR 0 is a 32-bit
/// memory BAR holding the MSI-X table and PBA; BAR 4 is a 64-bit memory BAR holding the common
/// configuration, ISR, device configuration and notification regions, each on its own page.
public enum VirtioPCILayout {
    public static let msixBAR = 0
    public static let msixBARSize: UInt64 = 0x1000
    public static let msixTableOffset: UInt64 = 0
    public static let msixPBAOffset: UInt64 = 0x800

    public static let structuresBAR = 4
    public static let structuresBARSize: UInt64 = 0x4000
    public static let commonOffset: UInt64 = 0x0000
    public static let commonLength: UInt64 = 0x3C
    public static let isrOffset: UInt64 = 0x1000
    public static let isrLength: UInt64 = 1
    public static let deviceOffset: UInt64 = 0x2000
    public static let deviceLength: UInt64 = 0x1000
    public static let notifyOffset: UInt64 = 0x3000
    /// Queue `i` is notified at notifyOffset + i * notifyOffMultiplier.
    public static let notifyOffMultiplier: UInt32 = 4

    /// `virtio_pci_cap.cfg_type` values (§4.1.4).
    public static let commonCfg: UInt8 = 1
    public static let notifyCfg: UInt8 = 2
    public static let isrCfg: UInt8 = 3
    public static let deviceCfg: UInt8 = 4
    public static let pciCfg: UInt8 = 5

    /// MSI-X "no vector" (§4.1.4.3).
    public static let noVector: UInt16 = 0xFFFF
    public static let vendorID: UInt16 = 0x1AF4
    /// Modern device IDs are 0x1040 + the virtio device ID (§4.1.2).
    public static let deviceIDBase: UInt16 = 0x1040
}

/// Offsets of the common configuration structure's fields (virtio 1.2 §4.1.4.3).
enum VirtioPCICommon {
    static let deviceFeatureSelect: UInt64 = 0x00
    static let deviceFeature: UInt64 = 0x04
    static let driverFeatureSelect: UInt64 = 0x08
    static let driverFeature: UInt64 = 0x0C
    static let configMSIXVector: UInt64 = 0x10
    static let numQueues: UInt64 = 0x12
    static let deviceStatus: UInt64 = 0x14
    static let configGeneration: UInt64 = 0x15
    static let queueSelect: UInt64 = 0x16
    static let queueSize: UInt64 = 0x18
    static let queueMSIXVector: UInt64 = 0x1A
    static let queueEnable: UInt64 = 0x1C
    static let queueNotifyOff: UInt64 = 0x1E
    static let queueDesc: UInt64 = 0x20
    static let queueDriver: UInt64 = 0x28
    static let queueDevice: UInt64 = 0x30
    static let queueNotifyData: UInt64 = 0x38
    static let queueReset: UInt64 = 0x3A

    /// The field holding `offset` and its width, for access-width checks.
    static func field(containing offset: UInt64) -> (start: UInt64, width: Int)? {
        switch offset {
        case 0x00..<0x10: return (offset & ~3, 4)
        case 0x10..<0x14: return (offset & ~1, 2)
        case 0x14, 0x15: return (offset, 1)
        case 0x16..<0x20: return (offset & ~1, 2)
        case 0x20..<0x38: return (offset & ~7, 8)
        case 0x38..<0x3C: return (offset & ~1, 2)
        default: return nil
        }
    }
}
