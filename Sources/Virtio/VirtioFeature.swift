/// Device-independent feature bits (virtio 1.2 §6). Device-specific bits (0-23) are defined by
/// each device.
public enum VirtioFeature {
    public static let indirectDescriptors: UInt64 = 1 << 28
    public static let eventIndex: UInt64 = 1 << 29
    public static let version1: UInt64 = 1 << 32
    public static let accessPlatform: UInt64 = 1 << 33
    public static let ringPacked: UInt64 = 1 << 34
    public static let inOrder: UInt64 = 1 << 35
    public static let orderPlatform: UInt64 = 1 << 36
    public static let notificationData: UInt64 = 1 << 38
    public static let ringReset: UInt64 = 1 << 40
}
