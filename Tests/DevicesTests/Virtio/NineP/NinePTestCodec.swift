#if os(Linux)
import Devices

/// A test-side 9P2000.L codec, written apart from the server's: builds T-messages and reads
/// R-messages field by field.
struct TMessage {
    private(set) var bytes: [UInt8]

    init(_ type: NinePMessageType, tag: UInt16 = 1) {
        bytes = [0, 0, 0, 0, type.rawValue, UInt8(tag & 0xFF), UInt8(tag >> 8)]
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { for i in 0..<2 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * i))) } }
    mutating func string(_ s: String) { raw(Array(s.utf8)) }
    mutating func raw(_ b: [UInt8]) {
        u16(UInt16(b.count))
        bytes += b
    }
    mutating func data(_ b: [UInt8]) { bytes += b }

    /// The message with its size field filled in.
    var encoded: [UInt8] {
        var b = bytes
        let n = UInt32(b.count)
        for i in 0..<4 { b[i] = UInt8(truncatingIfNeeded: n >> (8 * i)) }
        return b
    }
}

/// One R-message as received.
struct RMessage {
    let type: UInt8
    let tag: UInt16
    let body: [UInt8]
    private var at = 0

    init(_ bytes: [UInt8]) throws {
        guard bytes.count >= 7 else { throw CodecError.short }
        let size = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
        guard size == bytes.count else { throw CodecError.sizeMismatch(size, bytes.count) }
        type = bytes[4]
        tag = UInt16(bytes[5]) | UInt16(bytes[6]) << 8
        body = Array(bytes[7...])
    }

    /// The errno of an Rlerror, nil for any other reply.
    var errno: UInt32? {
        guard type == 7, body.count == 4 else { return nil }
        return UInt32(body[0]) | UInt32(body[1]) << 8 | UInt32(body[2]) << 16 | UInt32(body[3]) << 24
    }

    var atEnd: Bool { at == body.count }

    mutating func u8() throws -> UInt8 { try int(1, UInt8.self) }
    mutating func u16() throws -> UInt16 { try int(2, UInt16.self) }
    mutating func u32() throws -> UInt32 { try int(4, UInt32.self) }
    mutating func u64() throws -> UInt64 { try int(8, UInt64.self) }

    private mutating func int<T: FixedWidthInteger>(_ n: Int, _: T.Type) throws -> T {
        guard at + n <= body.count else { throw CodecError.short }
        var v: T = 0
        for i in 0..<n { v |= T(body[at + i]) << (8 * i) }
        at += n
        return v
    }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard at + n <= body.count else { throw CodecError.short }
        defer { at += n }
        return Array(body[at..<(at + n)])
    }

    mutating func string() throws -> String {
        String(decoding: try bytes(Int(try u16())), as: UTF8.self)
    }

    mutating func qid() throws -> NinePQid {
        let type = try u8()
        let version = try u32()
        return NinePQid(type: type, version: version, path: try u64())
    }
}

enum CodecError: Error {
    case short, sizeMismatch(Int, Int)
    case unexpected(type: UInt8, errno: UInt32?)
}
#endif
