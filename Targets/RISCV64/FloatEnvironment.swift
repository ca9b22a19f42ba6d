#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// RISC-V rounding modes (unprivileged ISA §11.2, table 11.1).
enum FloatRoundingMode: UInt64 {
    case nearestEven = 0, towardZero = 1, down = 2, up = 3, nearestMaxMagnitude = 4

    var rule: FloatingPointRoundingRule {
        switch self {
        case .nearestEven: .toNearestOrEven
        case .towardZero: .towardZero
        case .down: .down
        case .up: .up
        case .nearestMaxMagnitude: .toNearestOrAwayFromZero
        }
    }
}

/// fflags bits (unprivileged ISA §11.2): invalid, divide by zero, overflow, underflow, inexact.
enum FloatFlag {
    static let invalid: UInt64 = 16
    static let divideByZero: UInt64 = 8
    static let overflow: UInt64 = 4
    static let underflow: UInt64 = 2
    static let inexact: UInt64 = 1
}

/// The host's IEEE 754 environment, used to round host arithmetic in the guest's mode and to
/// collect exception flags. Values pass through `launder` around environment changes so the
/// optimizer cannot move arithmetic across them (LLVM treats FP arithmetic as environment-free).
/// Round-to-nearest-max-magnitude has no host mode; callers handle it.
enum HostFloatEnvironment {
    // The <fenv.h> constants, typed (Glibc imports some of them twice, as enum and as macro).
    private static let towardZero: Int32 = FE_TOWARDZERO
    private static let downward: Int32 = FE_DOWNWARD
    private static let upward: Int32 = FE_UPWARD
    private static let toNearest: Int32 = FE_TONEAREST
    private static let invalid: Int32 = FE_INVALID
    private static let divideByZero: Int32 = FE_DIVBYZERO
    private static let overflow: Int32 = FE_OVERFLOW
    private static let underflow: Int32 = FE_UNDERFLOW
    private static let inexact: Int32 = FE_INEXACT
    private static let allExcept = invalid | divideByZero | overflow | underflow | inexact

    static func set(_ mode: FloatRoundingMode) {
        let host = switch mode {
        case .towardZero: towardZero
        case .down: downward
        case .up: upward
        case .nearestEven, .nearestMaxMagnitude: toNearest
        }
        fesetround(host)
    }

    static func clearFlags() { feclearexcept(allExcept) }

    /// The host flags raised since `clearFlags()`, as RISC-V fflags bits.
    static func flags() -> UInt64 {
        let raised = fetestexcept(allExcept)
        var f: UInt64 = 0
        if raised & invalid != 0 { f |= FloatFlag.invalid }
        if raised & divideByZero != 0 { f |= FloatFlag.divideByZero }
        if raised & overflow != 0 { f |= FloatFlag.overflow }
        if raised & underflow != 0 { f |= FloatFlag.underflow }
        if raised & inexact != 0 { f |= FloatFlag.inexact }
        return f
    }

    /// Restores the host default (round to nearest, flags clear) after a guest operation.
    static func reset() {
        fesetround(toNearest)
        feclearexcept(allExcept)
    }
}

/// An optimization barrier for a value: the compiler cannot see through it, so code that
/// depends on the result stays after it and its argument is computed before it.
@inline(never) @_optimize(none)
func launder<T>(_ x: T) -> T { x }

/// Exact conversions and roundings the host cannot do in every RISC-V mode.
enum FloatRounding {
    /// Rounds a double to single precision in `mode`, with the flags of that rounding.
    static func narrow(_ d: Double, _ mode: FloatRoundingMode) -> (Float, UInt64) {
        if mode != .nearestMaxMagnitude {
            HostFloatEnvironment.set(mode)
            HostFloatEnvironment.clearFlags()
            let f = launder(Float(launder(d)))
            let flags = HostFloatEnvironment.flags()
            HostFloatEnvironment.reset()
            return (f, flags)
        }
        if d.isNaN || d.isInfinite || d == 0 { return (Float(d), 0) }
        HostFloatEnvironment.set(.towardZero)
        let t = launder(Float(launder(d)))
        HostFloatEnvironment.reset()
        if Double(t) == d { return (t, 0) }
        let midpoint = Double(t.magnitude) + Double(t.ulp) / 2
        var result = t
        if d.magnitude >= midpoint {
            let away = t.magnitude.nextUp
            result = d < 0 ? -away : away
        }
        var flags = FloatFlag.inexact
        if result.isInfinite { flags |= FloatFlag.overflow }
        if result.magnitude < Float.leastNormalMagnitude { flags |= FloatFlag.underflow }
        return (result, flags)
    }

    /// Rounds an integer (sign and magnitude) to a binary float with `significandBits` bits of
    /// precision (24 or 53) in `mode`; returns the value as a Double (exact for both formats) and
    /// whether it was inexact.
    static func fromInteger(magnitude: UInt64, negative: Bool, significandBits p: Int, _ mode: FloatRoundingMode) -> (Double, Bool) {
        guard magnitude != 0 else { return (0, false) }
        let msb = 63 - magnitude.leadingZeroBitCount
        var kept = magnitude, shift = 0, inexact = false
        if msb >= p {
            shift = msb - (p - 1)
            kept = magnitude >> UInt64(shift)
            let rem = magnitude & ((1 << UInt64(shift)) - 1)
            let half: UInt64 = 1 << UInt64(shift - 1)
            inexact = rem != 0
            let up = switch mode {
            case .nearestEven: rem > half || (rem == half && kept & 1 == 1)
            case .towardZero: false
            case .down: negative && rem != 0
            case .up: !negative && rem != 0
            case .nearestMaxMagnitude: rem >= half
            }
            if up { kept += 1 }
        }
        let value = Double(kept) * Double(sign: .plus, exponent: shift, significand: 1)
        return (negative ? -value : value, inexact)
    }

    /// Converts to a signed or unsigned integer of `bits` (32 or 64) bits in `mode`, saturating
    /// out-of-range values and NaN (to the maximum) with the invalid flag (§11.7 table 11.4).
    /// 32-bit results are sign-extended to 64 bits.
    static func toInteger(_ v: Double, signed: Bool, bits: Int, _ mode: FloatRoundingMode) -> (UInt64, UInt64) {
        let maxValue: UInt64 = signed ? (1 << UInt64(bits - 1)) - 1 : (bits == 64 ? .max : (1 << 32) - 1)
        let minValue: Int64 = signed ? Int64.min >> Int64(64 - bits) : 0
        func extend(_ x: UInt64) -> UInt64 { bits == 32 ? UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: x))) : x }
        if v.isNaN { return (extend(maxValue), FloatFlag.invalid) }
        let r = v.rounded(mode.rule)
        let upper = Double(sign: .plus, exponent: signed ? bits - 1 : bits, significand: 1)
        if r >= upper { return (extend(maxValue), FloatFlag.invalid) }
        if r < Double(minValue) { return (extend(UInt64(bitPattern: minValue)), FloatFlag.invalid) }
        let flags = r != v ? FloatFlag.inexact : 0
        let result = r < 0 ? UInt64(bitPattern: Int64(r)) : UInt64(r)
        return (extend(result), flags)
    }
}
