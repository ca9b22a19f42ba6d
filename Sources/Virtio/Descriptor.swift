/// One validated buffer of a descriptor chain (virtio 1.2 §2.7.5 split, §2.8.13 packed).
///
/// `host` points into guest RAM: the whole `[address, address + length)` range was checked to
/// lie inside one RAM bank when the descriptor was read, so a device reads or writes the
/// buffer in place, without an intermediate copy. The guest may change the bytes at any time;
/// the device must treat them as untrusted input.
public struct Descriptor: Equatable {
    /// Guest-physical address of the buffer.
    public let address: UInt64
    /// Length in bytes (chains are capped at 4 GiB in total).
    public let length: UInt32
    /// Whether the device writes this buffer (VIRTQ_DESC_F_WRITE); otherwise it reads it.
    public let isDeviceWritable: Bool
    /// The host address of the buffer's first byte.
    public let host: UnsafeMutableRawPointer

    @inlinable
    init(address: UInt64, length: UInt32, isDeviceWritable: Bool, host: UnsafeMutableRawPointer) {
        self.address = address
        self.length = length
        self.isDeviceWritable = isDeviceWritable
        self.host = host
    }

    /// The buffer as host bytes.
    @inlinable public var bytes: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: host, count: Int(length))
    }
}
