import Foundation
import Machine
import Testing
@testable import RISCV64

/// Runs one generated F/D routine on xemu (bare metal) and under `qemu-riscv64` (user mode, a
/// Linux ELF around the same routine) over random and special operands in every rounding mode,
/// and compares every result and fflags value.
@Suite struct FloatDifferentialTests {
    static let operandCount = 500

    /// Operation templates: `RM` is replaced by each rounding mode where present.
    static let operations = [
        "fadd.d fs0, fa0, fa1, RM", "fsub.d fs0, fa0, fa1, RM", "fmul.d fs0, fa0, fa1, RM", "fdiv.d fs0, fa0, fa1, RM",
        "fsqrt.d fs0, fa0, RM", "fmadd.d fs0, fa0, fa1, fa2, RM", "fnmsub.d fs0, fa0, fa1, fa2, RM",
        "fmsub.d fs0, fa0, fa1, fa2, RM", "fnmadd.d fs0, fa0, fa1, fa2, RM",
        "fcvt.s.d fs0, fa0, RM", "fcvt.w.d s1, fa0, RM", "fcvt.wu.d s1, fa0, RM", "fcvt.l.d s1, fa0, RM",
        "fcvt.lu.d s1, fa0, RM", "fcvt.d.l fs0, s2, RM", "fcvt.d.lu fs0, s2, RM", "fcvt.s.w fs0, s2, RM",
        "fcvt.s.lu fs0, s2, RM",
        "fadd.s fs0, fa3, fa4, RM", "fsub.s fs0, fa3, fa4, RM", "fmul.s fs0, fa3, fa4, RM", "fdiv.s fs0, fa3, fa4, RM",
        "fsqrt.s fs0, fa3, RM", "fmadd.s fs0, fa3, fa4, fa5, RM", "fnmadd.s fs0, fa3, fa4, fa5, RM",
        "fcvt.w.s s1, fa3, RM", "fcvt.lu.s s1, fa3, RM", "fcvt.d.s fs0, fa3",
        "fmin.d fs0, fa0, fa1", "fmax.d fs0, fa0, fa1", "fmin.s fs0, fa3, fa4", "fmax.s fs0, fa3, fa4",
        "feq.d s1, fa0, fa1", "flt.d s1, fa0, fa1", "fle.d s1, fa0, fa1", "feq.s s1, fa3, fa4", "flt.s s1, fa3, fa4",
        "fclass.d s1, fa0", "fclass.s s1, fa3", "fsgnjx.s fs0, fa3, fa4", "fsgnjn.d fs0, fa0, fa1",
    ]
    static let modes = ["rne", "rtz", "rdn", "rup", "rmm"]

    /// The routine: a0 = operands (4 dwords each), a1 = count, a2 = output. Clobbers s0-s2, fs0,
    /// fa0-fa5, t0.
    static var routine: String {
        var body = ""
        for template in operations {
            let variants = template.contains("RM") ? modes.map { template.replacingOccurrences(of: "RM", with: $0) } : [template]
            for instruction in variants {
                let integerResult = instruction.contains(" s1,")
                body += """
                    li s1, 0
                    fmv.d.x fs0, zero
                    fsflags zero
                    \(instruction)
                    frflags t0
                    \(integerResult ? "sd s1, 0(a2)" : "fsd fs0, 0(a2)")
                    sd t0, 8(a2)
                    addi a2, a2, 16

                """
            }
        }
        return """
        routine:
            fld fa0, 0(a0)
            fld fa1, 8(a0)
            fld fa2, 16(a0)
            ld s2, 24(a0)
            fmv.x.d t0, fa0
            fmv.w.x fa3, t0
            fmv.x.d t0, fa1
            fmv.w.x fa4, t0
            fmv.x.d t0, fa2
            fmv.w.x fa5, t0
        \(body)
            addi a0, a0, 32
            addi a1, a1, -1
            bnez a1, routine
            ret
        """
    }

    /// Operands: specials, values near rounding ties, and random bit patterns (a fixed seed).
    static var operands: [UInt64] {
        var rng = SplitMix64(seed: 0x5EED_F10A7)
        let specials: [Double] = [0, -0.0, 1, -1, 1.5, 2.5, -2.5, 0x1p-1074, 0x1p-1022, .greatestFiniteMagnitude,
                                  .infinity, -.infinity, .nan, 1e20, -1e20, 3, 0.1, 4294967295.5, 0x1p63, 0x1p64,
                                  0x1p-53, 0x1.8p-53, 0x1p-24, 0x1.8p-24, 1 + 0x1p-52, 1 + 0x1p-23, 16_777_217, -0x1p-1022]
        var result: [UInt64] = []
        for n in 0..<operandCount {
            for k in 0..<3 {
                let r = rng.next()
                let value: UInt64
                switch (n + k) % 5 {
                case 0: value = specials[Int(r % UInt64(specials.count))].bitPattern
                case 1: value = r | 0x7FF0_0000_0000_0000 & 0xFFF0_0000_0000_0001 | (r & 0x000F_FFFF_FFFF_FFFF)
                case 2: value = 0xFFFF_FFFF_0000_0000 | (r & 0xFFFF_FFFF)
                case 3: value = Double(Int64(bitPattern: r) >> 20).bitPattern
                default: value = r
                }
                result.append(value)
            }
            result.append(rng.next() >> (rng.next() % 64))
        }
        return result
    }

    static var data: String {
        "operands:\n" + operands.map { "    .dword 0x" + String($0, radix: 16) }.joined(separator: "\n")
    }

    static var resultBytes: Int { operandCount * 16 * operations.reduce(0) { $0 + ($1.contains("RM") ? modes.count : 1) } }

    @Test func resultsAndFlagsMatchQEMU() throws {
        let ours = try DifferentialRoutine.runOnXemu(routine: Self.routine, data: Self.data, operandCount: Self.operandCount, resultBytes: Self.resultBytes)
        let theirs = try DifferentialRoutine.runOnQEMU(routine: Self.routine, data: Self.data, operandCount: Self.operandCount, resultBytes: Self.resultBytes)
        #expect(theirs.count == Self.resultBytes)
        guard theirs.count == Self.resultBytes else { return }
        let variants = Self.operations.flatMap { t in
            t.contains("RM") ? Self.modes.map { t.replacingOccurrences(of: "RM", with: $0) } : [t]
        }
        let mismatches = DifferentialRoutine.mismatches(ours, theirs) { record in
            let operand = record / variants.count
            let ops = Self.operands[operand * 4..<operand * 4 + 4].map { "0x" + String($0, radix: 16) }
            return "\(variants[record % variants.count]) on \(ops) (result, fflags)"
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(8).joined(separator: "\n"))")
    }
}
