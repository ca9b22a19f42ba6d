import Translator

/// The F and D extensions' arithmetic (unprivileged ISA §11-12): host IEEE arithmetic under the
/// guest's rounding mode, RISC-V NaN rules (canonical NaN results, NaN-boxed singles), and
/// fflags accumulation.
///
/// Singles are computed in double precision rounded to odd, then rounded once to single in the
/// guest's mode, which gives the correctly rounded single result (53 >= 2 * 24 + 2) in every mode
/// including round-to-nearest-max-magnitude. Doubles use the host mode; in RMM, add, subtract
/// and multiply detect ties exactly (error-free transformations), division and square root
/// cannot tie, and a double FMA rounds as RNE.
extension RISCV64FrontEnd {
    static let canonicalSingle: UInt32 = 0x7FC0_0000
    static let canonicalDouble: UInt64 = 0x7FF8_0000_0000_0000
    static let boxHigh: UInt64 = 0xFFFF_FFFF_0000_0000
    /// mstatus.FS = Dirty.
    static let floatDirty: UInt64 = 3 << 13

    /// A NaN-boxed single from an FP register; an improperly boxed value reads as canonical NaN.
    private static func single(_ v: UInt64) -> Float {
        Float(bitPattern: v >> 32 == 0xFFFF_FFFF ? UInt32(truncatingIfNeeded: v) : canonicalSingle)
    }

    private static func box(_ f: Float) -> UInt64 {
        boxHigh | UInt64(f.isNaN ? canonicalSingle : f.bitPattern)
    }

    private static func bits(_ d: Double) -> UInt64 { d.isNaN ? canonicalDouble : d.bitPattern }

    private static func isSignaling(_ d: Double) -> Bool { d.isSignalingNaN }
    private static func isSignaling(_ f: Float) -> Bool { f.isSignalingNaN }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    func floatOperation(_ op: IROp, cpu: CPUContext) -> HelperResult {
        let word = UInt32(truncatingIfNeeded: op.imm)
        let s = cpu.state
        let f = RISCV64Encoding.field
        let opcode = word & 0x7F, funct7 = word >> 25, rmField = f(word, 14, 12)
        let rd = Int(f(word, 11, 7)), rs1 = Int(f(word, 19, 15)), rs2 = Int(f(word, 24, 20)), rs3 = Int(f(word, 31, 27))
        let isDouble = word >> 25 & 1 == 1
        let illegal = HelperResult.fault(.raised(cause: Cause.illegalInstruction, value: UInt64(word)))
        let dynamic = rmField == 7 ? s[RISCV64Slot.frm] : UInt64(rmField)
        let mode = FloatRoundingMode(rawValue: dynamic)
        var flags: UInt64 = 0
        let fd = RISCV64Slot.f(rd)
        let xd = rd == 0 ? RISCV64Slot.discard : rd

        switch opcode {
        case 0b1000011, 0b1000111, 0b1001011, 0b1001111:
            guard let mode else { return illegal }
            let negateProduct = opcode == 0b1001011 || opcode == 0b1001111
            let negateAddend = opcode == 0b1000111 || opcode == 0b1001111
            if isDouble {
                let a = Double(bitPattern: s[RISCV64Slot.f(rs1)]), b = Double(bitPattern: s[RISCV64Slot.f(rs2)])
                let c = Double(bitPattern: s[RISCV64Slot.f(rs3)])
                flags |= Self.productInvalid(a.isInfinite, a.isZero, b.isInfinite, b.isZero)
                let kernel = FloatKernel.fusedMultiplyAdd(negateProduct: negateProduct, negateAddend: negateAddend)
                let (r, rf) = Self.rounded(mode, kernel, a, b, c)
                s[fd] = Self.bits(r)
                flags |= rf
            } else {
                let a = Self.single(s[RISCV64Slot.f(rs1)]), b = Self.single(s[RISCV64Slot.f(rs2)])
                let c = Self.single(s[RISCV64Slot.f(rs3)])
                flags |= Self.productInvalid(a.isInfinite, a.isZero, b.isInfinite, b.isZero)
                let kernel = FloatKernel.fusedMultiplyAdd(negateProduct: negateProduct, negateAddend: negateAddend)
                if Self.isSignaling(a) || Self.isSignaling(b) || Self.isSignaling(c) { flags |= FloatFlag.invalid }
                let (r, rf) = Self.roundedSingle(mode, kernel, Double(a), Double(b), Double(c))
                s[fd] = Self.box(r)
                flags |= rf
            }

        case 0b1010011:
            switch funct7 >> 1 {
            case 0b000000, 0b000010, 0b000100, 0b000110, 0b010110:
                guard let mode else { return illegal }
                let kind = funct7 >> 1
                let kernel: FloatKernel = switch kind {
                case 0b000000: .add
                case 0b000010: .subtract
                case 0b000100: .multiply
                case 0b000110: .divide
                default: .squareRoot
                }
                if isDouble {
                    let a = Double(bitPattern: s[RISCV64Slot.f(rs1)]), b = Double(bitPattern: s[RISCV64Slot.f(rs2)])
                    var (r, rf) = Self.rounded(mode, kernel, a, b, 0)
                    if mode == .nearestMaxMagnitude, kind <= 0b000100 { r = Self.breakTieAway(r, a, b, kind: kind) }
                    s[fd] = Self.bits(r)
                    flags |= rf
                } else {
                    let a = Self.single(s[RISCV64Slot.f(rs1)]), b = Self.single(s[RISCV64Slot.f(rs2)])
                    let usesB = kernel != .squareRoot
                    if Self.isSignaling(a) || (usesB && Self.isSignaling(b)) { flags |= FloatFlag.invalid }
                    let (r, rf) = Self.roundedSingle(mode, kernel, Double(a), Double(b), 0)
                    s[fd] = Self.box(r)
                    flags |= rf
                }
            case 0b001000:
                guard rmField <= 2 else { return illegal }
                let signBit: UInt64 = isDouble ? 1 << 63 : 1 << 31
                let a = isDouble ? s[RISCV64Slot.f(rs1)] : UInt64(Self.single(s[RISCV64Slot.f(rs1)]).bitPattern)
                let b = isDouble ? s[RISCV64Slot.f(rs2)] : UInt64(Self.single(s[RISCV64Slot.f(rs2)]).bitPattern)
                let sign = switch rmField {
                case 0: b & signBit
                case 1: ~b & signBit
                default: (a ^ b) & signBit
                }
                let r = (a & ~signBit) | sign
                s[fd] = isDouble ? r : Self.boxHigh | r
            case 0b001010:
                guard rmField <= 1 else { return illegal }
                let wantMax = rmField == 1
                if isDouble {
                    let a = Double(bitPattern: s[RISCV64Slot.f(rs1)]), b = Double(bitPattern: s[RISCV64Slot.f(rs2)])
                    if Self.isSignaling(a) || Self.isSignaling(b) { flags |= FloatFlag.invalid }
                    s[fd] = Self.bits(Self.minMax(a, b, wantMax: wantMax))
                } else {
                    let a = Self.single(s[RISCV64Slot.f(rs1)]), b = Self.single(s[RISCV64Slot.f(rs2)])
                    if Self.isSignaling(a) || Self.isSignaling(b) { flags |= FloatFlag.invalid }
                    s[fd] = Self.box(Float(Self.minMax(Double(a), Double(b), wantMax: wantMax)))
                }
            case 0b010000:
                // fcvt.s.d (funct7 0100000, rs2 = 1) and fcvt.d.s (0100001, rs2 = 0).
                if isDouble {
                    let a = Self.single(s[RISCV64Slot.f(rs1)])
                    if Self.isSignaling(a) { flags |= FloatFlag.invalid }
                    s[fd] = Self.bits(Double(a))
                } else {
                    guard let mode else { return illegal }
                    let a = Double(bitPattern: s[RISCV64Slot.f(rs1)])
                    if Self.isSignaling(a) { flags |= FloatFlag.invalid }
                    let (r, rf) = FloatRounding.narrow(a, mode)
                    s[fd] = Self.box(r)
                    flags |= a.isNaN ? 0 : rf
                }
            case 0b101000:
                guard rmField <= 2 else { return illegal }
                let a = isDouble ? Double(bitPattern: s[RISCV64Slot.f(rs1)]) : Double(Self.single(s[RISCV64Slot.f(rs1)]))
                let b = isDouble ? Double(bitPattern: s[RISCV64Slot.f(rs2)]) : Double(Self.single(s[RISCV64Slot.f(rs2)]))
                let signaling = isDouble
                    ? Self.isSignaling(a) || Self.isSignaling(b)
                    : Self.isSignaling(Self.single(s[RISCV64Slot.f(rs1)])) || Self.isSignaling(Self.single(s[RISCV64Slot.f(rs2)]))
                let unordered = a.isNaN || b.isNaN
                if rmField == 2 ? signaling : unordered { flags |= FloatFlag.invalid }
                let result = switch rmField {
                case 0: !unordered && a <= b
                case 1: !unordered && a < b
                default: !unordered && a == b
                }
                s[xd] = result ? 1 : 0
            case 0b110000:
                guard let mode, rs2 <= 3 else { return illegal }
                let a = isDouble ? Double(bitPattern: s[RISCV64Slot.f(rs1)]) : Double(Self.single(s[RISCV64Slot.f(rs1)]))
                let (r, rf) = FloatRounding.toInteger(a, signed: rs2 & 1 == 0, bits: rs2 < 2 ? 32 : 64, mode)
                s[xd] = r
                flags |= rf
            case 0b110100:
                guard let mode, rs2 <= 3 else { return illegal }
                let x = s[rs1]
                let value: UInt64, negative: Bool
                switch rs2 {
                case 0: let v = Int64(Int32(truncatingIfNeeded: x)); (value, negative) = (v.magnitude, v < 0)
                case 1: (value, negative) = (x & 0xFFFF_FFFF, false)
                case 2: let v = Int64(bitPattern: x); (value, negative) = (v.magnitude, v < 0)
                default: (value, negative) = (x, false)
                }
                let (r, inexact) = FloatRounding.fromInteger(magnitude: value, negative: negative, significandBits: isDouble ? 53 : 24, mode)
                s[fd] = isDouble ? r.bitPattern : Self.box(Float(r))
                if inexact { flags |= FloatFlag.inexact }
            case 0b111000:
                let a = isDouble ? Double(bitPattern: s[RISCV64Slot.f(rs1)]) : Double(Self.single(s[RISCV64Slot.f(rs1)]))
                let signaling = isDouble ? Self.isSignaling(a) : Self.isSignaling(Self.single(s[RISCV64Slot.f(rs1)]))
                let subnormal = isDouble ? a.isSubnormal : Self.single(s[RISCV64Slot.f(rs1)]).isSubnormal
                s[xd] = Self.classify(a, signaling: signaling, subnormal: subnormal)
            default:
                return illegal
            }
        default:
            return illegal
        }
        s[RISCV64Slot.fflags] |= flags
        s[RISCV64Slot.mstatus] |= Self.floatDirty
        return .next
    }

    /// fma raises invalid for infinity times zero even when the addend is a quiet NaN (§11.6).
    private static func productInvalid(_ aInf: Bool, _ aZero: Bool, _ bInf: Bool, _ bZero: Bool) -> UInt64 {
        (aInf && bZero) || (aZero && bInf) ? FloatFlag.invalid : 0
    }

    /// Runs `kernel` on host doubles rounded in `mode` (RMM computes as RNE; see `breakTieAway`).
    private static func rounded(_ mode: FloatRoundingMode, _ kernel: FloatKernel, _ a: Double, _ b: Double, _ c: Double) -> (Double, UInt64) {
        HostFloatEnvironment.set(mode)
        HostFloatEnvironment.clearFlags()
        let r = launder(kernel.apply(launder(a), launder(b), launder(c)))
        let flags = HostFloatEnvironment.flags()
        HostFloatEnvironment.reset()
        return (r, flags)
    }

    /// Runs `kernel` on singles widened to double, rounded to odd, then narrows once in `mode`.
    /// Widening quiets signaling NaNs, so callers raise invalid for them.
    private static func roundedSingle(_ mode: FloatRoundingMode, _ kernel: FloatKernel, _ a: Double, _ b: Double, _ c: Double) -> (Float, UInt64) {
        HostFloatEnvironment.set(.towardZero)
        HostFloatEnvironment.clearFlags()
        var wide = launder(kernel.apply(launder(a), launder(b), launder(c)))
        let wideFlags = HostFloatEnvironment.flags()
        HostFloatEnvironment.reset()
        if wide == 0, mode == .down {
            // An exact zero sum of opposite signs is -0 only when rounding down (IEEE 754 §6.3);
            // single-precision operands never give an inexact zero in double, so recompute in RDN.
            HostFloatEnvironment.set(.down)
            wide = launder(kernel.apply(launder(a), launder(b), launder(c)))
            HostFloatEnvironment.reset()
        }
        if wide.isNaN { return (Float.nan, wideFlags & FloatFlag.invalid) }
        if wideFlags & FloatFlag.inexact != 0, wide.isFinite {
            wide = Double(bitPattern: wide.bitPattern | 1)
        }
        let (r, narrowFlags) = FloatRounding.narrow(wide, mode)
        return (r, (wideFlags & (FloatFlag.invalid | FloatFlag.divideByZero)) | narrowFlags)
    }

    /// In RMM, turns an RNE result `r` of a + b, a - b or a * b that was a tie rounded toward
    /// zero into the neighbour away from zero. The exact error comes from an error-free
    /// transformation (TwoSum, or an FMA for the product).
    private static func breakTieAway(_ r: Double, _ a: Double, _ b: Double, kind: UInt32) -> Double {
        guard r.isFinite, r != 0, r.isNormal else { return r }
        let error: Double
        switch kind {
        case 0b000000, 0b000010:
            let y = kind == 0 ? b : -b
            let bv = r - a
            error = (a - (r - bv)) + (y - bv)
        default:
            error = (-r).addingProduct(a, b)
        }
        guard error != 0, (error < 0) == (r < 0), error.magnitude == r.ulp / 2 else { return r }
        return r + 2 * error
    }

    /// fmin/fmax (§11.6): a NaN operand yields the other, two NaNs the canonical NaN, and -0 is
    /// less than +0.
    private static func minMax(_ a: Double, _ b: Double, wantMax: Bool) -> Double {
        if a.isNaN && b.isNaN { return .nan }
        if a.isNaN { return b }
        if b.isNaN { return a }
        if a == b { return wantMax ? (a.sign == .plus ? a : b) : (a.sign == .minus ? a : b) }
        return wantMax ? Swift.max(a, b) : Swift.min(a, b)
    }

    /// fclass (§11.9, table 11.5).
    private static func classify(_ a: Double, signaling: Bool, subnormal: Bool) -> UInt64 {
        if a.isNaN { return signaling ? 1 << 8 : 1 << 9 }
        let negative = a.sign == .minus
        if a.isInfinite { return negative ? 1 << 0 : 1 << 7 }
        if a.isZero { return negative ? 1 << 3 : 1 << 4 }
        if subnormal { return negative ? 1 << 2 : 1 << 5 }
        return negative ? 1 << 1 : 1 << 6
    }
}

/// The rounding arithmetic of F and D, applied to host doubles.
enum FloatKernel: Equatable {
    case add, subtract, multiply, divide, squareRoot
    case fusedMultiplyAdd(negateProduct: Bool, negateAddend: Bool)

    func apply(_ a: Double, _ b: Double, _ c: Double) -> Double {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .squareRoot: a.squareRoot()
        case let .fusedMultiplyAdd(negateProduct, negateAddend):
            (negateAddend ? -c : c).addingProduct(negateProduct ? -a : a, b)
        }
    }
}
