import Testing
@testable import RISCV64

/// F and D (unprivileged ISA §11-12).
@Suite struct FloatTests {
    static let enable = """
        li t0, 0x2000
        csrs mstatus, t0

    """

    static func bits(_ d: Double) -> String { "0x" + String(d.bitPattern, radix: 16) }
    static func bits(_ f: Float) -> String { "0x" + String(f.bitPattern, radix: 16) }

    @Test func doubleArithmeticAndFusedMultiplyAddRoundsOnce() throws {
        let rig = try GuestRig(Self.enable + """
            li t0, \(Self.bits(1.5))
            fmv.d.x fa0, t0
            li t0, \(Self.bits(-4.0))
            fmv.d.x fa1, t0
            fadd.d ft0, fa0, fa1
            fmv.x.d a0, ft0
            fmul.d ft0, fa0, fa1
            fmv.x.d a1, ft0
            fdiv.d ft0, fa1, fa0
            fmv.x.d a2, ft0
            fsqrt.d ft0, fa0
            fmv.x.d a3, ft0
            li t0, \(Self.bits(1 + 0x1p-30))
            fmv.d.x fa2, t0
            li t0, \(Self.bits(1 - 0x1p-30))
            fmv.d.x fa3, t0
            li t0, \(Self.bits(-1.0))
            fmv.d.x fa4, t0
            fmadd.d ft1, fa2, fa3, fa4
            fmv.x.d a4, ft1
            fmul.d ft2, fa2, fa3
            fadd.d ft2, ft2, fa4
            fmv.x.d a5, ft2
            fnmsub.d ft3, fa0, fa1, fa0
            fmv.x.d a6, ft3
            frflags a7
        """)
        rig.run()
        #expect(Double(bitPattern: rig["a0"]) == -2.5)
        #expect(Double(bitPattern: rig["a1"]) == -6)
        #expect(Double(bitPattern: rig["a2"]) == -4.0 / 1.5)
        #expect(Double(bitPattern: rig["a3"]) == 1.5.squareRoot())
        #expect(Double(bitPattern: rig["a4"]) == -0x1p-60, "fused: one rounding")
        #expect(Double(bitPattern: rig["a5"]) == 0, "unfused: the product rounds to 1")
        #expect(Double(bitPattern: rig["a6"]) == 7.5)
        #expect(rig["a7"] == FloatFlag.inexact)
    }

    @Test func everyRoundingModeIncludingDynamicAndMaxMagnitude() throws {
        // 1 + 2^-53 is a tie between 1 and 1 + 2^-52; 1 + 2^-60 is just above 1.
        let rig = try GuestRig(Self.enable + """
            li t0, \(Self.bits(1.0))
            fmv.d.x fa0, t0
            li t0, \(Self.bits(0x1p-53))
            fmv.d.x fa1, t0
            li t0, \(Self.bits(0x1p-60))
            fmv.d.x fa2, t0
            fadd.d ft0, fa0, fa1, rne
            fmv.x.d s2, ft0
            fadd.d ft0, fa0, fa1, rmm
            fmv.x.d s3, ft0
            fadd.d ft0, fa0, fa2, rup
            fmv.x.d s4, ft0
            fsub.d ft0, fa0, fa2, rdn
            fmv.x.d s5, ft0
            fsub.d ft0, fa0, fa2, rtz
            fmv.x.d s6, ft0
            fsrmi 3
            fadd.d ft0, fa0, fa2
            fmv.x.d s7, ft0
            li t0, \(Self.bits(Float(1)))
            fmv.w.x fa3, t0
            li t0, \(Self.bits(Float(0x1p-24)))
            fmv.w.x fa4, t0
            fadd.s ft1, fa3, fa4, rne
            fmv.x.w s8, ft1
            fadd.s ft1, fa3, fa4, rmm
            fmv.x.w s9, ft1
            fadd.s ft1, fa3, fa4
            fmv.x.w s10, ft1
            frrm s11
        """)
        rig.run()
        #expect(Double(bitPattern: rig["s2"]) == 1)
        #expect(Double(bitPattern: rig["s3"]) == 1 + 0x1p-52)
        #expect(Double(bitPattern: rig["s4"]) == 1 + 0x1p-52)
        #expect(Double(bitPattern: rig["s5"]) == 1 - 0x1p-53)
        #expect(Double(bitPattern: rig["s6"]) == 1 - 0x1p-53)
        #expect(Double(bitPattern: rig["s7"]) == 1 + 0x1p-52, "dynamic rounding uses frm = RUP")
        #expect(UInt32(truncatingIfNeeded: rig["s8"]) == Float(1).bitPattern)
        #expect(UInt32(truncatingIfNeeded: rig["s9"]) == (1 + Float(0x1p-23)).bitPattern)
        #expect(UInt32(truncatingIfNeeded: rig["s10"]) == (1 + Float(0x1p-23)).bitPattern)
        #expect(rig["s11"] == 3)
    }

    @Test func invalidDynamicRoundingModeIsIllegal() throws {
        let rig = try GuestRig(Self.enable + """
            lla t1, handler
            csrw mtvec, t1
            fsrmi 5
            fadd.d ft0, ft0, ft0
            j exit
        handler:
            csrr a0, mcause
            j exit
        """)
        rig.run()
        #expect(rig["a0"] == 2)
    }

    @Test func exceptionFlagsAndCanonicalNaNs() throws {
        let rig = try GuestRig(Self.enable + """
            li t0, \(Self.bits(1.0))
            fmv.d.x fa0, t0
            fmv.d.x fa1, zero
            fdiv.d ft0, fa0, fa1
            frflags s2
            fsflags zero
            li t0, \(Self.bits(-1.0))
            fmv.d.x fa2, t0
            fsqrt.d ft0, fa2
            fmv.x.d s3, ft0
            frflags s4
            fsflags zero
            li t0, \(Self.bits(Double.greatestFiniteMagnitude))
            fmv.d.x fa3, t0
            fmul.d ft0, fa3, fa3
            frflags s5
            fsflags zero
            li t0, \(Self.bits(0x1p-1000))
            fmv.d.x fa4, t0
            fmul.d ft0, fa4, fa4
            frflags s6
            fsflags zero
            li t0, 0x7FF0000000000123
            fmv.d.x fa5, t0
            fadd.d ft0, fa5, fa0
            fmv.x.d s7, ft0
            frflags s8
            li t0, \(Self.bits(Float.greatestFiniteMagnitude))
            fmv.w.x fa6, t0
            fsflags zero
            fmul.s ft1, fa6, fa6
            frflags s9
            fmv.x.w s10, ft1
            csrr s11, fcsr
            li t0, 0xFFFFFFFF7F800001
            fmv.d.x fa7, t0
            fsflags zero
            fadd.s ft2, fa7, fa6
            frflags t3
            fmv.x.d t4, ft2
        """)
        rig.run()
        #expect(rig["s2"] == FloatFlag.divideByZero)
        #expect(rig["s3"] == RISCV64FrontEnd.canonicalDouble)
        #expect(rig["s4"] == FloatFlag.invalid)
        #expect(rig["s5"] == FloatFlag.overflow | FloatFlag.inexact)
        #expect(rig["s6"] == FloatFlag.underflow | FloatFlag.inexact)
        #expect(rig["s7"] == RISCV64FrontEnd.canonicalDouble, "a signaling NaN operand gives the canonical NaN")
        #expect(rig["s8"] == FloatFlag.invalid)
        #expect(rig["s9"] == FloatFlag.overflow | FloatFlag.inexact)
        #expect(UInt32(truncatingIfNeeded: rig["s10"]) == Float.infinity.bitPattern)
        #expect(rig["s11"] == FloatFlag.overflow | FloatFlag.inexact, "fcsr = frm << 5 | fflags")
        #expect(rig["t3"] == FloatFlag.invalid, "a signaling single NaN operand raises invalid")
        #expect(rig["t4"] == 0xFFFF_FFFF_7FC0_0000)
    }

    @Test func nanBoxingOfSingles() throws {
        let rig = try GuestRig(Self.enable + """
            li t0, \(Self.bits(Float(2)))
            fmv.w.x fa0, t0
            fmv.x.d s2, fa0
            li t0, 0x0000000040000000
            fmv.d.x fa1, t0
            fadd.s ft0, fa1, fa0
            fmv.x.d s3, ft0
            lla t1, data
            flw fa2, 0(t1)
            fmv.x.d s4, fa2
            fsw fa0, 4(t1)
            lw s5, 4(t1)
            fmv.x.w s6, fa2
            j exit
            .balign 8
        data:
            .word 0xBF800000, 0
        """)
        rig.run()
        #expect(rig["s2"] == 0xFFFF_FFFF_4000_0000)
        #expect(rig["s3"] == 0xFFFF_FFFF_7FC0_0000, "an unboxed operand reads as the canonical NaN")
        #expect(rig["s4"] == 0xFFFF_FFFF_BF80_0000)
        #expect(rig["s5"] == 0x4000_0000)
        #expect(rig["s6"] == 0xFFFF_FFFF_BF80_0000, "fmv.x.w sign-extends")
    }

    @Test func conversionsSaturateAndRound() throws {
        let rig = try GuestRig(Self.enable + """
            li t0, \(Self.bits(2.5))
            fmv.d.x fa0, t0
            fcvt.w.d s2, fa0, rne
            fcvt.w.d s3, fa0, rmm
            fcvt.w.d s4, fa0, rtz
            li t0, \(Self.bits(-2.5))
            fmv.d.x fa1, t0
            fcvt.l.d s5, fa1, rdn
            fsflags zero
            fcvt.wu.d s6, fa1, rtz
            frflags s7
            li t0, 0x7FF8000000000000
            fmv.d.x fa2, t0
            fcvt.w.d s8, fa2
            li t0, \(Self.bits(1e30))
            fmv.d.x fa3, t0
            fcvt.l.d s9, fa3
            fcvt.lu.d s10, fa3
            li t0, -1
            fcvt.s.l ft0, t0
            fmv.x.w s11, ft0
            li t0, 0xFFFFFFFFFFFFFFFF
            fcvt.d.lu ft1, t0, rtz
            fmv.x.d t3, ft1
            li t0, 0x80000000
            fcvt.d.w ft2, t0
            fmv.x.d t4, ft2
            fcvt.s.d ft3, fa0
            fcvt.d.s ft4, ft3
            fmv.x.d t5, ft4
        """)
        rig.run()
        #expect(rig["s2"] == 2)
        #expect(rig["s3"] == 3)
        #expect(rig["s4"] == 2)
        #expect(rig.signed("s5") == -3)
        #expect(rig["s6"] == 0, "-2.5 to unsigned saturates to 0")
        #expect(rig["s7"] == FloatFlag.invalid)
        #expect(rig["s8"] == 0x7FFF_FFFF, "NaN converts to the maximum")
        #expect(rig["s9"] == UInt64(Int64.max))
        #expect(rig["s10"] == .max)
        #expect(UInt32(truncatingIfNeeded: rig["s11"]) == Float(-1).bitPattern)
        #expect(Double(bitPattern: rig["t3"]) == 0x1p64 - 0x1p11, "rounded toward zero")
        #expect(Double(bitPattern: rig["t4"]) == -0x1p31)
        #expect(Double(bitPattern: rig["t5"]) == 2.5)
    }

    @Test func minMaxCompareAndClassify() throws {
        let rig = try GuestRig(Self.enable + """
            li t0, \(Self.bits(-0.0))
            fmv.d.x fa0, t0
            fmv.d.x fa1, zero
            fmin.d ft0, fa1, fa0
            fmv.x.d s2, ft0
            fmax.d ft0, fa0, fa1
            fmv.x.d s3, ft0
            li t0, 0x7FF8000000000000
            fmv.d.x fa2, t0
            fmin.d ft0, fa2, fa0
            fmv.x.d s4, ft0
            fsflags zero
            feq.d s5, fa2, fa2
            frflags s6
            flt.d s7, fa2, fa0
            frflags s8
            fle.d s9, fa0, fa1
            fclass.d s10, fa0
            fclass.d s11, fa2
            li t0, 1
            fmv.d.x fa3, t0
            fclass.d t3, fa3
            fsgnjn.d ft1, fa1, fa1
            fmv.x.d t4, ft1
            fsgnjx.d ft1, fa0, fa0
            fmv.x.d t5, ft1
        """)
        rig.run()
        #expect(rig["s2"] == (-0.0).bitPattern)
        #expect(rig["s3"] == 0)
        #expect(rig["s4"] == (-0.0).bitPattern, "a NaN operand yields the other")
        #expect(rig["s5"] == 0)
        #expect(rig["s6"] == 0, "feq is quiet for quiet NaNs")
        #expect(rig["s7"] == 0)
        #expect(rig["s8"] == FloatFlag.invalid, "flt signals on any NaN")
        #expect(rig["s9"] == 1, "-0 <= +0")
        #expect(rig["s10"] == 1 << 3)
        #expect(rig["s11"] == 1 << 9)
        #expect(rig["t3"] == 1 << 5)
        #expect(rig["t4"] == (-0.0).bitPattern)
        #expect(rig["t5"] == 0)
    }

    @Test func floatingPointIsIllegalWhileFSIsOff() throws {
        let rig = try GuestRig("""
            lla t1, handler
            csrw mtvec, t1
            li a0, 0
            fadd.d ft0, ft0, ft0
            frflags a2
            csrr a3, misa
            j exit
        handler:
            csrr t2, mcause
            add a0, a0, t2
            csrr t2, mepc
            addi t2, t2, 4
            csrw mepc, t2
            mret
        """)
        rig.run()
        #expect(rig["a0"] == 4, "both the FP op and the fflags read are illegal")
        #expect(rig["a3"] & 0x28 == 0x28, "misa advertises F and D")
    }

    @Test func compressedDoubleLoadsAndStoresAndDirtyState() throws {
        let rig = try GuestRig(compressed: Self.enable + """
            li sp, 0x80080000
            lla s0, data
            c.fld fa0, 0(s0)
            c.fsd fa0, 8(s0)
            c.fsdsp fa0, 16(sp)
            c.fldsp fa1, 16(sp)
            fmv.x.d a0, fa1
            ld a1, 8(s0)
            csrr a2, mstatus
            j exit
            .balign 8
        data:
            .dword 0x400921FB54442D18, 0
        """)
        rig.run()
        #expect(rig["a0"] == 0x4009_21FB_5444_2D18)
        #expect(rig["a1"] == 0x4009_21FB_5444_2D18)
        #expect(rig["a2"] >> 63 == 1 && rig["a2"] & 0x6000 == 0x6000, "FS is Dirty and SD set")
    }
}
