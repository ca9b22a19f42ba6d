/// Why a virtqueue refused to activate, rejected a descriptor chain, or declared itself broken.
///
/// Everything a driver writes into a ring is hostile input, so each failure is an ordinary error.
/// Each case has exactly one outcome, named in its doc line:
/// - *activation*: `QueueConfig.activate(memory:)` refuses the configuration; the transport keeps
///   the queue disabled (the driver sees the failure when it sets DRIVER_OK or reads back state).
/// - *chain*: thrown while walking one `DescriptorChain`; the device completes that chain with
///   its own error status (or a used length of 0) and the queue carries on.
/// - *broken*: thrown by `Virtqueue.pop()`; the queue stops and the transport sets
///   DEVICE_NEEDS_RESET (virtio 1.2 §2.1.2). Every later `pop()` throws `.queueBroken`.
/// - *device*: a bug in the device model, not in the guest (the ring is left untouched).
///
/// The doc line of each case is also its user-facing message (`description`).
public enum VirtqueueError: Error, Equatable, Sendable, CustomStringConvertible {
    /// the queue size is zero, above 32768, above the device maximum, or not a power of two for a split ring
    case invalidQueueSize
    /// a ring area is not aligned as virtio 1.2 §2.7 / §2.8 require
    case misalignedRing
    /// a ring area lies outside guest RAM
    case ringOutsideRAM
    /// the queue was activated before the driver set it ready
    case queueNotReady
    /// a descriptor's buffer lies outside guest RAM or its end overflows 64 bits
    case bufferOutsideRAM
    /// a descriptor's next index is not below the queue size or the indirect table length
    case descriptorIndexOutOfRange
    /// a descriptor chain is longer than the queue size (or its indirect table), so it loops
    case chainTooLong
    /// broken: a packed ring chain runs through every descriptor of the ring without ending
    case chainTooLongInRing
    /// the lengths of a descriptor chain add up to more than 4 GiB
    case chainTooLarge
    /// an indirect descriptor was used without VIRTIO_F_INDIRECT_DESC
    case indirectNotNegotiated
    /// an indirect table contains another indirect descriptor
    case nestedIndirect
    /// an indirect descriptor also has the NEXT flag
    case indirectWithNext
    /// an indirect table is empty, has more than 32768 entries, or its length is not a multiple of 16 bytes
    case invalidIndirectTableLength
    /// a device-readable descriptor follows a device-writable one
    case readableAfterWritable
    /// broken: the available index is more than the queue size ahead of the last one seen
    case availIndexTooFarAhead
    /// broken: an available ring entry names a head descriptor not below the queue size
    case headIndexOutOfRange
    /// broken: the driver made more chains available than the queue has descriptors
    case tooManyInFlight
    /// broken: a packed ring buffer ID is not below the queue size
    case bufferIDOutOfRange
    /// broken: a packed ring buffer ID was made available again while still in flight
    case bufferIDInFlight
    /// broken: the queue stopped after an earlier driver error and needs a device reset
    case queueBroken
    /// device: a chain was completed that is not in flight on this queue
    case notInFlight

    /// Whether this error stops the whole queue (the transport sets DEVICE_NEEDS_RESET) rather
    /// than failing one chain.
    public var breaksQueue: Bool {
        switch self {
        case .availIndexTooFarAhead, .headIndexOutOfRange, .tooManyInFlight, .bufferIDOutOfRange,
             .bufferIDInFlight, .queueBroken, .chainTooLongInRing:
            true
        default:
            false
        }
    }

    public var description: String {
        switch self {
        case .invalidQueueSize: "the queue size is zero, above 32768, above the device maximum, or not a power of two for a split ring"
        case .misalignedRing: "a ring area is not aligned as virtio 1.2 §2.7 / §2.8 require"
        case .ringOutsideRAM: "a ring area lies outside guest RAM"
        case .queueNotReady: "the queue was activated before the driver set it ready"
        case .bufferOutsideRAM: "a descriptor's buffer lies outside guest RAM or its end overflows 64 bits"
        case .descriptorIndexOutOfRange: "a descriptor's next index is not below the queue size or the indirect table length"
        case .chainTooLong: "a descriptor chain is longer than the queue size (or its indirect table), so it loops"
        case .chainTooLongInRing: "a packed ring chain runs through every descriptor of the ring without ending"
        case .chainTooLarge: "the lengths of a descriptor chain add up to more than 4 GiB"
        case .indirectNotNegotiated: "an indirect descriptor was used without VIRTIO_F_INDIRECT_DESC"
        case .nestedIndirect: "an indirect table contains another indirect descriptor"
        case .indirectWithNext: "an indirect descriptor also has the NEXT flag"
        case .invalidIndirectTableLength: "an indirect table is empty, has more than 32768 entries, or its length is not a multiple of 16 bytes"
        case .readableAfterWritable: "a device-readable descriptor follows a device-writable one"
        case .availIndexTooFarAhead: "the available index is more than the queue size ahead of the last one seen"
        case .headIndexOutOfRange: "an available ring entry names a head descriptor not below the queue size"
        case .tooManyInFlight: "the driver made more chains available than the queue has descriptors"
        case .bufferIDOutOfRange: "a packed ring buffer ID is not below the queue size"
        case .bufferIDInFlight: "a packed ring buffer ID was made available again while still in flight"
        case .queueBroken: "the queue stopped after an earlier driver error and needs a device reset"
        case .notInFlight: "a chain was completed that is not in flight on this queue"
        }
    }
}
