#if os(Linux)
/// Writes one 9P R-message into a fixed buffer: the body first (after room for the header),
/// then `finish` fills `size[4] type[1] tag[2]`. A write past the buffer's end fails with
/// EMSGSIZE, so an R-message never exceeds msize or the driver's writable buffers.
struct NinePMessageEncoder {
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var count = NineP.headerSize

    init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

    /// Bytes left for the body.
    var remaining: Int { buffer.count - count }

    private mutating func integer<T: FixedWidthInteger>(_ value: T) throws(NinePErrno) {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .messageSize }
        buffer.storeBytes(of: value.littleEndian, toByteOffset: count, as: T.self)
        count += size
    }

    mutating func u8(_ v: UInt8) throws(NinePErrno) { try integer(v) }
    mutating func u16(_ v: UInt16) throws(NinePErrno) { try integer(v) }
    mutating func u32(_ v: UInt32) throws(NinePErrno) { try integer(v) }
    mutating func u64(_ v: UInt64) throws(NinePErrno) { try integer(v) }

    mutating func string<C: Collection<UInt8>>(_ bytes: C) throws(NinePErrno) {
        guard bytes.count <= Int(UInt16.max), remaining >= 2 + bytes.count else { throw .messageSize }
        try u16(UInt16(bytes.count))
        for b in bytes {
            buffer[count] = b
            count += 1
        }
    }

    mutating func qid(_ q: NinePQid) throws(NinePErrno) {
        guard remaining >= NinePQid.size else { throw .messageSize }
        try u8(q.type)
        try u32(q.version)
        try u64(q.path)
    }

    /// Reserves `length` bytes and returns them for the caller to fill (Rread's data).
    mutating func reserve(_ length: Int) throws(NinePErrno) -> UnsafeMutableRawBufferPointer {
        guard length >= 0, remaining >= length else { throw .messageSize }
        let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[count..<(count + length)])
        count += length
        return slice
    }

    /// Gives back the unused tail of a reservation.
    mutating func shrink(by length: Int) {
        count -= min(length, count - NineP.headerSize)
    }

    /// Overwrites a 4-byte field written earlier (Rread's and Rreaddir's count).
    func patch(_ value: UInt32, at offset: Int) {
        buffer.storeBytes(of: value.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    /// Writes the header; returns the message length.
    func finish(type: UInt8, tag: UInt16) -> Int {
        buffer.storeBytes(of: UInt32(count).littleEndian, toByteOffset: 0, as: UInt32.self)
        buffer.storeBytes(of: type, toByteOffset: 4, as: UInt8.self)
        buffer.storeBytes(of: tag.littleEndian, toByteOffset: 5, as: UInt16.self)
        return count
    }
}
#endif
