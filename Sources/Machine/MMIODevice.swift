/// A device region on a `Bus`: the guest's loads and stores to it arrive here.
///
/// `offset` is relative to the region's base and `size` is the access width in bytes
/// (1, 2, 4 or 8). A device answers accesses it does not implement as the hardware would
/// (usually read 0, ignore the write) and never traps: the access comes from the guest.
/// A handler never re-enters the bus synchronously (ARCHITECTURE.md); DMA goes through
/// `GuestMemory`.
public protocol MMIODevice: AnyObject {
    func read(offset: UInt64, size: Int) -> UInt64
    func write(offset: UInt64, size: Int, value: UInt64)
}
