/// The arithmetic ops of the IR, as pure functions of their operands. Both tiers share these
/// semantics; the interpreter inlines this switch into its loop.
extension CPUContext {
    @inline(__always)
    static func sext32(_ v: UInt64) -> UInt64 { UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v))) }

    @inline(__always)
    static func signed(_ v: UInt64) -> Int64 { Int64(bitPattern: v) }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    @inline(__always)
    static func compute(_ code: IROpcode, _ x: UInt64, _ y: UInt64, _ imm: UInt64, c: UInt8) -> UInt64 {
        switch code {
        case .add: return x &+ y
        case .sub: return x &- y
        case .and: return x & y
        case .or: return x | y
        case .xor: return x ^ y
        case .shiftLeft: return x << (y & 63)
        case .shiftRightLogical: return x >> (y & 63)
        case .shiftRightArithmetic: return UInt64(bitPattern: signed(x) >> Int64(y & 63))
        case .setLessThan: return signed(x) < signed(y) ? 1 : 0
        case .setLessThanUnsigned: return x < y ? 1 : 0
        case .addW: return sext32(x &+ y)
        case .subW: return sext32(x &- y)
        case .shiftLeftW: return sext32(x << (y & 31))
        case .shiftRightLogicalW: return sext32(UInt64(UInt32(truncatingIfNeeded: x) >> UInt32(y & 31)))
        case .shiftRightArithmeticW: return UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x) >> Int32(y & 31)))
        case .mul: return x &* y
        case .mulHigh: return UInt64(bitPattern: signed(x).multipliedFullWidth(by: signed(y)).high)
        case .mulHighUnsigned: return x.multipliedFullWidth(by: y).high
        case .mulHighSignedUnsigned:
            let high = x.multipliedFullWidth(by: y).high
            return signed(x) < 0 ? high &- y : high
        case .mulW: return sext32(x &* y)
        case .div:
            if y == 0 { return .max }
            if signed(x) == .min && signed(y) == -1 { return x }
            return UInt64(bitPattern: signed(x) / signed(y))
        case .divUnsigned: return y == 0 ? .max : x / y
        case .rem:
            if y == 0 { return x }
            if signed(x) == .min && signed(y) == -1 { return 0 }
            return UInt64(bitPattern: signed(x) % signed(y))
        case .remUnsigned: return y == 0 ? x : x % y
        case .divW:
            let n = Int32(truncatingIfNeeded: x), m = Int32(truncatingIfNeeded: y)
            if m == 0 { return .max }
            if n == .min && m == -1 { return sext32(UInt64(UInt32(bitPattern: n))) }
            return UInt64(bitPattern: Int64(n / m))
        case .divUnsignedW:
            let n = UInt32(truncatingIfNeeded: x), m = UInt32(truncatingIfNeeded: y)
            return m == 0 ? .max : sext32(UInt64(n / m))
        case .remW:
            let n = Int32(truncatingIfNeeded: x), m = Int32(truncatingIfNeeded: y)
            if m == 0 { return sext32(x) }
            if n == .min && m == -1 { return 0 }
            return UInt64(bitPattern: Int64(n % m))
        case .remUnsignedW:
            let n = UInt32(truncatingIfNeeded: x), m = UInt32(truncatingIfNeeded: y)
            return sext32(UInt64(m == 0 ? n : n % m))

        case .addImm: return x &+ imm
        case .andImm: return x & imm
        case .orImm: return x | imm
        case .xorImm: return x ^ imm
        case .shiftLeftImm: return x << (imm & 63)
        case .shiftRightLogicalImm: return x >> (imm & 63)
        case .shiftRightArithmeticImm: return UInt64(bitPattern: signed(x) >> Int64(imm & 63))
        case .setLessThanImm: return signed(x) < signed(imm) ? 1 : 0
        case .setLessThanUnsignedImm: return x < imm ? 1 : 0
        case .addImmW: return sext32(x &+ imm)
        case .shiftLeftImmW: return sext32(x << (imm & 31))
        case .shiftRightLogicalImmW: return sext32(UInt64(UInt32(truncatingIfNeeded: x) >> UInt32(imm & 31)))
        case .shiftRightArithmeticImmW: return UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x) >> Int32(imm & 31)))
        case .loadImm: return imm

        case .shiftAdd: return (x << UInt64(c & 63)) &+ y
        case .shiftAddUnsignedW: return (UInt64(UInt32(truncatingIfNeeded: x)) << UInt64(c & 63)) &+ y
        case .andNot: return x & ~y
        case .orNot: return x | ~y
        case .xnor: return ~(x ^ y)
        case .countLeadingZeros: return UInt64(x.leadingZeroBitCount)
        case .countTrailingZeros: return UInt64(x.trailingZeroBitCount)
        case .popCount: return UInt64(x.nonzeroBitCount)
        case .countLeadingZerosW: return UInt64(UInt32(truncatingIfNeeded: x).leadingZeroBitCount)
        case .countTrailingZerosW: return UInt64(UInt32(truncatingIfNeeded: x).trailingZeroBitCount)
        case .popCountW: return UInt64(UInt32(truncatingIfNeeded: x).nonzeroBitCount)
        case .max: return signed(x) > signed(y) ? x : y
        case .maxUnsigned: return x > y ? x : y
        case .min: return signed(x) < signed(y) ? x : y
        case .minUnsigned: return x < y ? x : y
        case .signExtendByte: return UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: x)))
        case .signExtendHalf: return UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: x)))
        case .zeroExtendHalf: return x & 0xFFFF
        case .rotateLeft: return rotateLeft64(x, y & 63)
        case .rotateRight: return rotateLeft64(x, (64 &- (y & 63)) & 63)
        case .rotateLeftW: return sext32(UInt64(rotateLeft32(UInt32(truncatingIfNeeded: x), UInt32(y & 31))))
        case .rotateRightW: return sext32(UInt64(rotateLeft32(UInt32(truncatingIfNeeded: x), (32 &- UInt32(y & 31)) & 31)))
        case .rotateRightImm: return rotateLeft64(x, (64 &- (imm & 63)) & 63)
        case .rotateRightImmW: return sext32(UInt64(rotateLeft32(UInt32(truncatingIfNeeded: x), (32 &- UInt32(imm & 31)) & 31)))
        case .orCombineBytes:
            var result: UInt64 = 0
            for byte in 0..<8 where (x >> UInt64(byte * 8)) & 0xFF != 0 { result |= 0xFF << UInt64(byte * 8) }
            return result
        case .byteReverse: return x.byteSwapped
        case .bitClear: return x & ~(1 << (y & 63))
        case .bitExtract: return (x >> (y & 63)) & 1
        case .bitInvert: return x ^ (1 << (y & 63))
        case .bitSet: return x | (1 << (y & 63))
        case .bitClearImm: return x & ~(1 << (imm & 63))
        case .bitExtractImm: return (x >> (imm & 63)) & 1
        case .bitInvertImm: return x ^ (1 << (imm & 63))
        case .bitSetImm: return x | (1 << (imm & 63))
        default: preconditionFailure("IR op \(code) is not arithmetic")
        }
    }

    @inline(__always)
    static func rotateLeft64(_ x: UInt64, _ n: UInt64) -> UInt64 { n == 0 ? x : (x << n) | (x >> (64 &- n)) }

    @inline(__always)
    static func rotateLeft32(_ x: UInt32, _ n: UInt32) -> UInt32 { n == 0 ? x : (x << n) | (x >> (32 &- n)) }
}
