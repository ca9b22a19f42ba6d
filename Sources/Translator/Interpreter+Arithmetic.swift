/// The IR's arithmetic semantics that take more than one expression; the interpreter's switch
/// holds the rest inline. Division follows the RISC-V rules the IR documents (by zero: all ones or
/// the dividend; signed overflow: the dividend or 0).
extension CPUContext {
    @inline(__always)
    static func sext32(_ v: UInt64) -> UInt64 { UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v))) }

    @inline(__always)
    static func signed(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }

    @inline(__always)
    static func rotateLeft64(_ x: UInt64, _ n: UInt64) -> UInt64 { n == 0 ? x : (x << n) | (x >> (64 &- n)) }

    @inline(__always)
    static func rotateLeft32(_ x: UInt32, _ n: UInt32) -> UInt32 { n == 0 ? x : (x << n) | (x >> (32 &- n)) }

    @inline(__always)
    static func mulHighSignedUnsigned(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let high = x.multipliedFullWidth(by: y).high
        return signed(x) < 0 ? high &- y : high
    }

    @inline(__always)
    static func div(_ x: UInt64, _ y: UInt64) -> UInt64 {
        if y == 0 { return .max }
        if signed(x) == .min && signed(y) == -1 { return x }
        return UInt64(bitPattern: signed(x) / signed(y))
    }

    @inline(__always)
    static func rem(_ x: UInt64, _ y: UInt64) -> UInt64 {
        if y == 0 { return x }
        if signed(x) == .min && signed(y) == -1 { return 0 }
        return UInt64(bitPattern: signed(x) % signed(y))
    }

    @inline(__always)
    static func divW(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let n = Int32(truncatingIfNeeded: x), m = Int32(truncatingIfNeeded: y)
        if m == 0 { return .max }
        if n == .min && m == -1 { return sext32(UInt64(UInt32(bitPattern: n))) }
        return UInt64(bitPattern: Int64(n / m))
    }

    @inline(__always)
    static func divUnsignedW(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let n = UInt32(truncatingIfNeeded: x), m = UInt32(truncatingIfNeeded: y)
        return m == 0 ? .max : sext32(UInt64(n / m))
    }

    @inline(__always)
    static func remW(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let n = Int32(truncatingIfNeeded: x), m = Int32(truncatingIfNeeded: y)
        if m == 0 { return sext32(x) }
        if n == .min && m == -1 { return 0 }
        return UInt64(bitPattern: Int64(n % m))
    }

    @inline(__always)
    static func remUnsignedW(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let n = UInt32(truncatingIfNeeded: x), m = UInt32(truncatingIfNeeded: y)
        return sext32(UInt64(m == 0 ? n : n % m))
    }

    @inline(__always)
    static func orCombineBytes(_ x: UInt64) -> UInt64 {
        var result: UInt64 = 0
        for byte in 0..<8 where (x >> UInt64(byte * 8)) & 0xFF != 0 { result |= 0xFF << UInt64(byte * 8) }
        return result
    }
}
