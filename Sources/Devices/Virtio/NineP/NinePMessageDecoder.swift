#if os(Linux)
/// Reads the fields of one 9P message body (little-endian integers, `s` strings as a 2-byte
/// length then bytes). Every read is bounds-checked: a truncated or lying message fails with
/// EINVAL (reported to the guest as Rlerror), never a trap.
struct NinePMessageDecoder {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    /// Decodes `bytes`, starting after the 7-byte header.
    init(_ bytes: UnsafeRawBufferPointer, offset: Int = NineP.headerSize) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    private mutating func integer<T: FixedWidthInteger>(_: T.Type) throws(NinePErrno) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .invalid }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(littleEndian: value)
    }

    mutating func u8() throws(NinePErrno) -> UInt8 { try integer(UInt8.self) }
    mutating func u16() throws(NinePErrno) -> UInt16 { try integer(UInt16.self) }
    mutating func u32() throws(NinePErrno) -> UInt32 { try integer(UInt32.self) }
    mutating func u64() throws(NinePErrno) -> UInt64 { try integer(UInt64.self) }

    /// A string field as raw bytes (names need not be UTF-8).
    mutating func string() throws(NinePErrno) -> [UInt8] {
        let count = Int(try u16())
        guard remaining >= count else { throw .invalid }
        let value = Array(bytes[offset..<(offset + count)])
        offset += count
        return value
    }

    /// The next `count` bytes, in place (Twrite's data).
    mutating func data(_ count: Int) throws(NinePErrno) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw .invalid }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }
}
#endif
