/// Byte layouts and flag bits of the two ring formats (virtio 1.2 §2.7 split, §2.8 packed).
///
/// Offsets are relative to the start of the area the driver programs (descriptor area, driver
/// area, device area). All fields are little-endian; xemu's boards are little-endian hosts'
/// guests, so a field is read with one host load of the right width.
public enum RingLayout {
    /// Size of one descriptor in either format, and of one indirect table entry.
    public static let descriptorSize: UInt64 = 16
    /// The largest queue size either format allows.
    public static let maxQueueSize: UInt32 = 32768

    // Descriptor flags shared by both formats (§2.7.5, §2.8.13).
    public static let next: UInt16 = 1
    public static let write: UInt16 = 2
    public static let indirect: UInt16 = 4
    // Packed ring availability bits (§2.8.1).
    public static let packedAvail: UInt16 = 1 << 7
    public static let packedUsed: UInt16 = 1 << 15

    // Split descriptor: addr +0 (64), len +8 (32), flags +12 (16), next +14 (16).
    // Packed descriptor: addr +0 (64), len +8 (32), id +12 (16), flags +14 (16).
    public static let splitFlagsOffset = 12
    public static let splitNextOffset = 14
    public static let packedIDOffset = 12
    public static let packedFlagsOffset = 14

    // Split available ring (driver area): flags, idx, ring[size], used_event (§2.7.6).
    public static let availNoInterrupt: UInt16 = 1
    public static func availRingSize(_ size: UInt32) -> UInt64 { 6 + 2 * UInt64(size) }
    // Split used ring (device area): flags, idx, ring[size] of {id 32, len 32}, avail_event (§2.7.8).
    public static let usedNoNotify: UInt16 = 1
    public static func usedRingSize(_ size: UInt32) -> UInt64 { 6 + 8 * UInt64(size) }

    // Packed event suppression structure: off_wrap +0, flags +2 (§2.8.10, §2.8.14).
    public static let eventSuppressionSize: UInt64 = 4
    public static let eventFlagsEnable: UInt16 = 0
    public static let eventFlagsDisable: UInt16 = 1
    public static let eventFlagsDesc: UInt16 = 2
}

/// Whether crossing from index `old` to `new` passes `event` (virtio 1.2 §2.7.10): true when
/// `event` is in `[old, new)` with 16-bit wrap-around. Both sides use it with EVENT_IDX: the
/// device against `used_event`, the driver against `avail_event`.
@inlinable @inline(always)
public func eventIndexCrossed(event: UInt16, new: UInt16, old: UInt16) -> Bool {
    (new &- event &- 1) < (new &- old)
}

/// The packed ring form of `eventIndexCrossed` (§2.8.10): `offWrap` packs a ring position in
/// bits 0-14 and the wrap counter it refers to in bit 15. `new` is the current position with
/// wrap counter `wrap`, and `advanced` the positions passed since the last decision.
@inlinable @inline(always)
public func packedEventCrossed(offWrap: UInt16, new: UInt16, wrap: Bool, advanced: UInt32, size: UInt16) -> Bool {
    if advanced >= UInt32(size) { return advanced > 0 }
    var event = offWrap & 0x7FFF
    if (offWrap >> 15 != 0) != wrap { event &-= size }
    return eventIndexCrossed(event: event, new: new, old: new &- UInt16(truncatingIfNeeded: advanced))
}
