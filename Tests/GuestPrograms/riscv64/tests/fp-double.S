# D extension (unprivileged spec ch. 11 and 9.2-9.3): every rounding mode and dynamic frm,
# fflags NV/DZ/OF/UF/NX, canonical NaN results, fused multiply-add rounding once, min/max
# and compare NaN rules, fclass, sign injection, conversions with NaN/inf/out-of-range inputs.
# Expected values are IEEE 754 binary64 bit patterns derived by hand from the operands.
#include "check.S"
#include "fpcheck.S"
#define NV 16
#define DZ 8
#define OF 4
#define UF 2
#define NX 1
#define ONE 0x3ff0000000000000
#define TWO 0x4000000000000000
#define THREE 0x4008000000000000
#define HALF 0x3fe0000000000000
#define MONE 0xbff0000000000000
#define PZERO 0
#define MZERO 0x8000000000000000
#define PINF 0x7ff0000000000000
#define MINF 0xfff0000000000000
#define CNAN 0x7ff8000000000000
#define QNAN_PAYLOAD 0x7ff8000000000123
#define SNAN 0x7ff0000000000001
#define DMAX 0x7fefffffffffffff
#define DMIN 0x0010000000000000
#define DSUBMIN 0x0000000000000001
#define EPS_HALF 0x3ca0000000000000   /* 2^-53: half an ulp of 1.0 */
#define ONE_PLUS_ULP 0x3ff0000000000001
#define TWO_POW_63 0x43e0000000000000
#define TWO_POW_64 0x43f0000000000000
#define TWO_HALF 0x4004000000000000   /* 2.5 */
#define MTWO_HALF 0xc004000000000000  /* -2.5 */
    TEST_BEGIN
    # 1/3 in every rounding mode: exact 0x3fd5555555555555.555...
    FOP2 1, fmv.d.x, fdiv.d, ONE, THREE, rne, 0x3fd5555555555555, NX
    FOP2 2, fmv.d.x, fdiv.d, ONE, THREE, rtz, 0x3fd5555555555555, NX
    FOP2 3, fmv.d.x, fdiv.d, ONE, THREE, rdn, 0x3fd5555555555555, NX
    FOP2 4, fmv.d.x, fdiv.d, ONE, THREE, rup, 0x3fd5555555555556, NX
    FOP2 5, fmv.d.x, fdiv.d, ONE, THREE, rmm, 0x3fd5555555555555, NX
    FOP2 6, fmv.d.x, fdiv.d, MONE, THREE, rdn, 0xbfd5555555555556, NX
    FOP2 7, fmv.d.x, fdiv.d, MONE, THREE, rup, 0xbfd5555555555555, NX
    FOP2 8, fmv.d.x, fdiv.d, MONE, THREE, rtz, 0xbfd5555555555555, NX
    # ties: 1 + 2^-53 is halfway between 1 and 1 + 2^-52
    FOP2 9, fmv.d.x, fadd.d, ONE, EPS_HALF, rne, ONE, NX
    FOP2 10, fmv.d.x, fadd.d, ONE, EPS_HALF, rmm, ONE_PLUS_ULP, NX
    FOP2 11, fmv.d.x, fadd.d, ONE, EPS_HALF, rup, ONE_PLUS_ULP, NX
    FOP2 12, fmv.d.x, fadd.d, ONE, EPS_HALF, rdn, ONE, NX
    FOP2 13, fmv.d.x, fadd.d, ONE, EPS_HALF, rtz, ONE, NX
    FOP2 14, fmv.d.x, fadd.d, ONE_PLUS_ULP, EPS_HALF, rne, 0x3ff0000000000002, NX  # tie to even goes up
    FOP2 15, fmv.d.x, fsub.d, MONE, EPS_HALF, rmm, 0xbff0000000000001, NX
    FOP2 16, fmv.d.x, fsub.d, MONE, EPS_HALF, rdn, 0xbff0000000000001, NX
    FOP2 17, fmv.d.x, fsub.d, MONE, EPS_HALF, rup, MONE, NX
    # dynamic rounding mode from frm
    li t1, 3                                   # RUP
    csrw frm, t1
    FOP2 18, fmv.d.x, fdiv.d, ONE, THREE, dyn, 0x3fd5555555555556, NX
    FOP2 19, fmv.d.x, fadd.d, ONE, EPS_HALF, none, ONE_PLUS_ULP, NX   # no suffix = dyn
    li t1, 1                                   # RTZ
    csrw frm, t1
    FOP2 20, fmv.d.x, fmul.d, DMAX, TWO, dyn, DMAX, (OF | NX)
    li t1, 4                                   # RMM
    csrw frm, t1
    TOINT 21, fmv.d.x, fcvt.l.d, TWO_HALF, dyn, 3, NX
    csrw frm, zero
    TOINT 22, fmv.d.x, fcvt.l.d, TWO_HALF, dyn, 2, NX
    # exact results raise nothing
    FOP2 23, fmv.d.x, fadd.d, ONE, TWO, rne, THREE, 0
    FOP2 24, fmv.d.x, fmul.d, DMIN, HALF, rne, 0x0008000000000000, 0    # exact subnormal: no UF
    # division by zero, invalid, overflow, underflow
    FOP2 25, fmv.d.x, fdiv.d, ONE, PZERO, rne, PINF, DZ
    FOP2 26, fmv.d.x, fdiv.d, MONE, PZERO, rne, MINF, DZ
    FOP2 27, fmv.d.x, fdiv.d, PZERO, PZERO, rne, CNAN, NV
    FOP2 28, fmv.d.x, fsub.d, PINF, PINF, rne, CNAN, NV
    FOP2 29, fmv.d.x, fmul.d, PZERO, PINF, rne, CNAN, NV
    FOP1 30, fmv.d.x, fsqrt.d, MONE, rne, CNAN, NV
    FOP1 31, fmv.d.x, fsqrt.d, MZERO, rne, MZERO, 0
    FOP1 32, fmv.d.x, fsqrt.d, 0x4010000000000000, rne, TWO, 0
    FOP1 33, fmv.d.x, fsqrt.d, TWO, rne, 0x3ff6a09e667f3bcd, NX
    FOP2 34, fmv.d.x, fmul.d, DMAX, TWO, rne, PINF, (OF | NX)
    FOP2 35, fmv.d.x, fmul.d, DMAX, TWO, rdn, DMAX, (OF | NX)
    FOP2 36, fmv.d.x, fmul.d, DMAX, TWO, rup, PINF, (OF | NX)
    FOP2 37, fmv.d.x, fmul.d, DSUBMIN, HALF, rne, PZERO, (UF | NX)
    FOP2 38, fmv.d.x, fmul.d, DSUBMIN, HALF, rup, DSUBMIN, (UF | NX)
    FOP2 39, fmv.d.x, fadd.d, PINF, ONE, rne, PINF, 0
    FOP2 40, fmv.d.x, fdiv.d, ONE, PINF, rne, PZERO, 0
    # NaN inputs give the canonical NaN; a signalling NaN also raises NV
    FOP2 41, fmv.d.x, fadd.d, QNAN_PAYLOAD, ONE, rne, CNAN, 0
    FOP2 42, fmv.d.x, fadd.d, SNAN, ONE, rne, CNAN, NV
    FOP2 43, fmv.d.x, fmul.d, ONE, 0xfff8000000000042, rne, CNAN, 0
    FOP1 44, fmv.d.x, fsqrt.d, SNAN, rne, CNAN, NV
    # signed zeros
    FOP2 45, fmv.d.x, fadd.d, PZERO, MZERO, rne, PZERO, 0
    FOP2 46, fmv.d.x, fadd.d, PZERO, MZERO, rdn, MZERO, 0
    FOP2 47, fmv.d.x, fsub.d, ONE, ONE, rdn, MZERO, 0
    FOP2 48, fmv.d.x, fsub.d, ONE, ONE, rne, PZERO, 0
    # fused multiply-add rounds once: (1 + 2^-30)^2 - (1 + 2^-29) = 2^-60 exactly
    FOP3 49, fmv.d.x, fmadd.d, 0x3ff0000000400000, 0x3ff0000000400000, 0xbff0000000800000, rne, 0x3c30000000000000, 0
    FOP3 50, fmv.d.x, fmsub.d, 0x3ff0000000400000, 0x3ff0000000400000, 0x3ff0000000800000, rne, 0x3c30000000000000, 0
    FOP3 51, fmv.d.x, fnmadd.d, 0x3ff0000000400000, 0x3ff0000000400000, 0xbff0000000800000, rne, 0xbc30000000000000, 0
    FOP3 52, fmv.d.x, fnmsub.d, 0x3ff0000000400000, 0x3ff0000000400000, 0x3ff0000000800000, rne, 0xbc30000000000000, 0
    FOP3 53, fmv.d.x, fmadd.d, TWO, THREE, ONE, rne, 0x401c000000000000, 0          # 7
    FOP3 54, fmv.d.x, fmadd.d, PINF, PZERO, QNAN_PAYLOAD, rne, CNAN, NV             # inf * 0 is invalid even with a NaN addend
    FOP3 55, fmv.d.x, fmadd.d, ONE, ONE, SNAN, rne, CNAN, NV
    FOP3 56, fmv.d.x, fmadd.d, DMAX, TWO, MINF, rne, MINF, 0                        # the exact product is finite: no overflow
    # min/max: a single NaN operand is ignored; a signalling NaN raises NV; -0 < +0
    FOP2 57, fmv.d.x, fmin.d, QNAN_PAYLOAD, ONE, none, ONE, 0
    FOP2 58, fmv.d.x, fmax.d, ONE, SNAN, none, ONE, NV
    FOP2 59, fmv.d.x, fmin.d, QNAN_PAYLOAD, SNAN, none, CNAN, NV
    FOP2 60, fmv.d.x, fmin.d, PZERO, MZERO, none, MZERO, 0
    FOP2 61, fmv.d.x, fmax.d, MZERO, PZERO, none, PZERO, 0
    FOP2 62, fmv.d.x, fmin.d, MINF, DMAX, none, MINF, 0
    FOP2 63, fmv.d.x, fmax.d, MONE, THREE, none, THREE, 0
    # compares: feq is quiet (NV only for sNaN), flt/fle signal on any NaN
    FCMP 64, fmv.d.x, feq.d, QNAN_PAYLOAD, ONE, 0, 0
    FCMP 65, fmv.d.x, feq.d, SNAN, ONE, 0, NV
    FCMP 66, fmv.d.x, flt.d, QNAN_PAYLOAD, ONE, 0, NV
    FCMP 67, fmv.d.x, fle.d, ONE, QNAN_PAYLOAD, 0, NV
    FCMP 68, fmv.d.x, feq.d, MZERO, PZERO, 1, 0
    FCMP 69, fmv.d.x, flt.d, MZERO, PZERO, 0, 0
    FCMP 70, fmv.d.x, fle.d, MZERO, PZERO, 1, 0
    FCMP 71, fmv.d.x, flt.d, MINF, DMAX, 1, 0
    FCMP 72, fmv.d.x, fle.d, THREE, TWO, 0, 0
    # fclass: one bit per class
    TOINT 73, fmv.d.x, fclass.d, MINF, none, 1, 0
    TOINT 74, fmv.d.x, fclass.d, MONE, none, 2, 0
    TOINT 75, fmv.d.x, fclass.d, 0x8000000000000001, none, 4, 0
    TOINT 76, fmv.d.x, fclass.d, MZERO, none, 8, 0
    TOINT 77, fmv.d.x, fclass.d, PZERO, none, 16, 0
    TOINT 78, fmv.d.x, fclass.d, DSUBMIN, none, 32, 0
    TOINT 79, fmv.d.x, fclass.d, ONE, none, 64, 0
    TOINT 80, fmv.d.x, fclass.d, PINF, none, 128, 0
    TOINT 81, fmv.d.x, fclass.d, SNAN, none, 256, 0
    TOINT 82, fmv.d.x, fclass.d, CNAN, none, 512, 0
    # sign injection works on bits, NaNs included, and raises nothing
    FOP2 83, fmv.d.x, fsgnj.d, ONE, MZERO, none, MONE, 0
    FOP2 84, fmv.d.x, fsgnjn.d, ONE, MZERO, none, ONE, 0
    FOP2 85, fmv.d.x, fsgnjx.d, MONE, MZERO, none, ONE, 0
    FOP2 86, fmv.d.x, fsgnjn.d, SNAN, PZERO, none, 0xfff0000000000001, 0
    # to integer: out of range, infinities and NaN saturate with NV (spec table 11.4)
    TOINT 87, fmv.d.x, fcvt.w.d, CNAN, rtz, 0x7fffffff, NV
    TOINT 88, fmv.d.x, fcvt.w.d, PINF, rtz, 0x7fffffff, NV
    TOINT 89, fmv.d.x, fcvt.w.d, MINF, rtz, 0xffffffff80000000, NV
    TOINT 90, fmv.d.x, fcvt.w.d, 0x41e0000000000000, rtz, 0x7fffffff, NV               # 2^31
    TOINT 91, fmv.d.x, fcvt.w.d, 0xc1e0000000000000, rtz, 0xffffffff80000000, 0        # -2^31 fits
    TOINT 92, fmv.d.x, fcvt.w.d, 0xc1e0000000200000, rtz, 0xffffffff80000000, NV       # -2^31 - 1
    TOINT 93, fmv.d.x, fcvt.wu.d, CNAN, rtz, 0xffffffffffffffff, NV
    TOINT 94, fmv.d.x, fcvt.wu.d, MONE, rtz, 0, NV
    TOINT 95, fmv.d.x, fcvt.wu.d, 0xbfe0000000000000, rtz, 0, NX                       # -0.5 rounds to 0: in range
    TOINT 96, fmv.d.x, fcvt.wu.d, 0x41efffffffe00000, rtz, 0xffffffffffffffff, 0       # 2^32 - 1, sign-extended
    TOINT 97, fmv.d.x, fcvt.wu.d, MINF, rtz, 0, NV
    TOINT 98, fmv.d.x, fcvt.l.d, CNAN, rtz, 0x7fffffffffffffff, NV
    TOINT 99, fmv.d.x, fcvt.l.d, MINF, rtz, 0x8000000000000000, NV
    TOINT 100, fmv.d.x, fcvt.l.d, TWO_POW_63, rtz, 0x7fffffffffffffff, NV
    TOINT 101, fmv.d.x, fcvt.l.d, 0xc3e0000000000000, rtz, 0x8000000000000000, 0       # -2^63 fits
    TOINT 102, fmv.d.x, fcvt.lu.d, CNAN, rtz, 0xffffffffffffffff, NV
    TOINT 103, fmv.d.x, fcvt.lu.d, TWO_POW_64, rtz, 0xffffffffffffffff, NV
    TOINT 104, fmv.d.x, fcvt.lu.d, MONE, rtz, 0, NV
    TOINT 105, fmv.d.x, fcvt.lu.d, TWO_POW_63, rtz, 0x8000000000000000, 0
    # to integer in each rounding mode: 2.5 and -2.5
    TOINT 106, fmv.d.x, fcvt.w.d, TWO_HALF, rne, 2, NX
    TOINT 107, fmv.d.x, fcvt.w.d, TWO_HALF, rmm, 3, NX
    TOINT 108, fmv.d.x, fcvt.w.d, TWO_HALF, rup, 3, NX
    TOINT 109, fmv.d.x, fcvt.w.d, TWO_HALF, rdn, 2, NX
    TOINT 110, fmv.d.x, fcvt.w.d, MTWO_HALF, rne, -2, NX
    TOINT 111, fmv.d.x, fcvt.w.d, MTWO_HALF, rmm, -3, NX
    TOINT 112, fmv.d.x, fcvt.w.d, MTWO_HALF, rup, -2, NX
    TOINT 113, fmv.d.x, fcvt.w.d, MTWO_HALF, rdn, -3, NX
    TOINT 114, fmv.d.x, fcvt.w.d, MTWO_HALF, rtz, -2, NX
    # from integers
    FROMINT 115, fcvt.d.w, -1, none, MONE, 0
    FROMINT 116, fcvt.d.wu, 0xffffffff, none, 0x41efffffffe00000, 0
    FROMINT 117, fcvt.d.l, 0x0020000000000001, rne, 0x4340000000000000, NX            # 2^53 + 1: tie to even
    FROMINT 118, fcvt.d.l, 0x0020000000000001, rup, 0x4340000000000001, NX
    FROMINT 119, fcvt.d.lu, 0xffffffffffffffff, rne, TWO_POW_64, NX
    FROMINT 120, fcvt.d.lu, 0xffffffffffffffff, rtz, 0x43efffffffffffff, NX
    FROMINT 121, fcvt.d.l, 0x8000000000000000, rne, 0xc3e0000000000000, 0
    # double <-> single
    FOP1 122, fmv.d.x, fcvt.s.d, 0x3fd5555555555555, rne, 0xffffffff3eaaaaab, NX
    FOP1 123, fmv.d.x, fcvt.s.d, DMAX, rne, 0xffffffff7f800000, (OF | NX)
    FOP1 124, fmv.d.x, fcvt.s.d, SNAN, rne, 0xffffffff7fc00000, NV
    FOP1 125, fmv.w.x, fcvt.d.s, 0x7f800001, none, CNAN, NV                            # single sNaN
    FOP1 126, fmv.w.x, fcvt.d.s, 0x3eaaaaab, none, 0x3fd5555560000000, 0
    FOP1 127, fmv.d.x, fcvt.s.d, 0x3690000000000000, rne, 0xffffffff00000000, (UF | NX)  # 2^-150 -> +0
    PASS
