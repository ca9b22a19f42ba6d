# F extension (unprivileged spec ch. 9 and 10): rounding modes and dynamic frm, fflags,
# canonical NaN results, NaN boxing of singles in the 64-bit registers (spec 11.2), fused
# multiply-add rounding once, min/max/compare NaN rules, fclass, conversions. Results are
# compared with all 64 register bits: a single result must come back NaN-boxed.
#include "check.S"
#include "fpcheck.S"
#define NV 16
#define DZ 8
#define OF 4
#define UF 2
#define NX 1
#define BOX 0xffffffff00000000
#define ONE 0x3f800000
#define TWO 0x40000000
#define THREE 0x40400000
#define HALF 0x3f000000
#define MONE 0xbf800000
#define PZERO 0
#define MZERO 0x80000000
#define PINF 0x7f800000
#define MINF 0xff800000
#define CNAN 0x7fc00000
#define QNAN_PAYLOAD 0x7fc00123
#define SNAN 0x7f800001
#define FMAX 0x7f7fffff
#define FSUBMIN 0x00000001
#define EPS_HALF 0x33800000   /* 2^-24: half an ulp of 1.0 */
#define TWO_HALF 0x40200000   /* 2.5 */
#define MTWO_HALF 0xc0200000
    TEST_BEGIN
    # 1/3: exact 0x3eaaaaaa.aaa...
    FOP2 1, fmv.w.x, fdiv.s, ONE, THREE, rne, BOX | 0x3eaaaaab, NX
    FOP2 2, fmv.w.x, fdiv.s, ONE, THREE, rtz, BOX | 0x3eaaaaaa, NX
    FOP2 3, fmv.w.x, fdiv.s, ONE, THREE, rdn, BOX | 0x3eaaaaaa, NX
    FOP2 4, fmv.w.x, fdiv.s, ONE, THREE, rup, BOX | 0x3eaaaaab, NX
    FOP2 5, fmv.w.x, fdiv.s, ONE, THREE, rmm, BOX | 0x3eaaaaab, NX
    FOP2 6, fmv.w.x, fdiv.s, MONE, THREE, rdn, BOX | 0xbeaaaaab, NX
    FOP2 7, fmv.w.x, fdiv.s, MONE, THREE, rup, BOX | 0xbeaaaaaa, NX
    FOP2 8, fmv.w.x, fdiv.s, MONE, THREE, rtz, BOX | 0xbeaaaaaa, NX
    # ties at 1 + 2^-24
    FOP2 9, fmv.w.x, fadd.s, ONE, EPS_HALF, rne, BOX | ONE, NX
    FOP2 10, fmv.w.x, fadd.s, ONE, EPS_HALF, rmm, BOX | 0x3f800001, NX
    FOP2 11, fmv.w.x, fadd.s, ONE, EPS_HALF, rup, BOX | 0x3f800001, NX
    FOP2 12, fmv.w.x, fadd.s, ONE, EPS_HALF, rdn, BOX | ONE, NX
    FOP2 13, fmv.w.x, fadd.s, ONE, EPS_HALF, rtz, BOX | ONE, NX
    FOP2 14, fmv.w.x, fadd.s, 0x3f800001, EPS_HALF, rne, BOX | 0x3f800002, NX
    FOP2 15, fmv.w.x, fsub.s, MONE, EPS_HALF, rmm, BOX | 0xbf800001, NX
    FOP2 16, fmv.w.x, fsub.s, MONE, EPS_HALF, rup, BOX | MONE, NX
    # dynamic rounding mode
    li t1, 2                                   # RDN
    csrw frm, t1
    FOP2 17, fmv.w.x, fdiv.s, MONE, THREE, dyn, BOX | 0xbeaaaaab, NX
    FOP2 18, fmv.w.x, fsub.s, MONE, EPS_HALF, none, BOX | 0xbf800001, NX
    li t1, 4                                   # RMM
    csrw frm, t1
    TOINT 19, fmv.w.x, fcvt.w.s, MTWO_HALF, dyn, -3, NX
    csrw frm, zero
    # flags
    FOP2 20, fmv.w.x, fadd.s, ONE, TWO, rne, BOX | THREE, 0
    FOP2 21, fmv.w.x, fdiv.s, ONE, PZERO, rne, BOX | PINF, DZ
    FOP2 22, fmv.w.x, fdiv.s, PZERO, PZERO, rne, BOX | CNAN, NV
    FOP2 23, fmv.w.x, fsub.s, MINF, MINF, rne, BOX | CNAN, NV
    FOP1 24, fmv.w.x, fsqrt.s, MONE, rne, BOX | CNAN, NV
    FOP1 25, fmv.w.x, fsqrt.s, TWO, rne, BOX | 0x3fb504f3, NX
    FOP1 26, fmv.w.x, fsqrt.s, 0x40800000, rne, BOX | TWO, 0
    FOP2 27, fmv.w.x, fmul.s, FMAX, TWO, rne, BOX | PINF, (OF | NX)
    FOP2 28, fmv.w.x, fmul.s, FMAX, TWO, rtz, BOX | FMAX, (OF | NX)
    FOP2 29, fmv.w.x, fmul.s, 0xff7fffff, TWO, rup, BOX | 0xff7fffff, (OF | NX)
    FOP2 30, fmv.w.x, fmul.s, FSUBMIN, HALF, rne, BOX | PZERO, (UF | NX)
    FOP2 31, fmv.w.x, fmul.s, FSUBMIN, HALF, rup, BOX | FSUBMIN, (UF | NX)
    FOP2 32, fmv.w.x, fmul.s, 0x00800000, HALF, rne, BOX | 0x00400000, 0     # exact subnormal
    FOP2 33, fmv.w.x, fadd.s, QNAN_PAYLOAD, ONE, rne, BOX | CNAN, 0
    FOP2 34, fmv.w.x, fadd.s, SNAN, ONE, rne, BOX | CNAN, NV
    FOP2 35, fmv.w.x, fsub.s, ONE, ONE, rdn, BOX | MZERO, 0
    # NaN boxing: a single operand whose upper 32 bits are not all ones is the canonical NaN
    FOP2 36, fmv.d.x, fadd.s, 0x000000003f800000, BOX | ONE, rne, BOX | CNAN, 0
    FOP2 37, fmv.d.x, fadd.s, BOX | ONE, BOX | ONE, rne, BOX | TWO, 0
    FOP2 38, fmv.d.x, fmul.s, BOX | ONE, 0x7fffffff3f800000, rne, BOX | CNAN, 0
    FOP2 39, fmv.d.x, fsgnj.s, 0x000000003f800000, BOX | MZERO, none, BOX | 0xffc00000, 0
    FOP2 40, fmv.d.x, fmin.s, 0x000000003f800000, BOX | TWO, none, BOX | TWO, 0
    TOINT 41, fmv.d.x, fclass.s, 0x000000003f800000, none, 512, 0            # quiet NaN
    TOINT 42, fmv.d.x, fcvt.w.s, 0x00000000bf800000, rtz, 0x7fffffff, NV     # NaN -> max
    FCMP 43, fmv.d.x, feq.s, 0x000000003f800000, BOX | ONE, 0, 0
    FOP1 44, fmv.d.x, fcvt.d.s, 0x0000000040000000, none, 0x7ff8000000000000, 0
    # fmv.x.w and fsw move the low 32 bits untouched (no boxing check), sign-extended by fmv.x.w
    li t0, 0x12345678bf800000
    fmv.d.x fa0, t0
    fmv.x.w t2, fa0
    CHECK 45, t2, 0xffffffffbf800000
    addi sp, sp, -16
    fsw fa0, 0(sp)
    lwu t2, 0(sp)
    CHECK 46, t2, 0xbf800000
    li t0, 0x40490fdb                          # flw boxes what it loads
    sw t0, 8(sp)
    flw fa1, 8(sp)
    CHECKF 47, fa1, BOX | 0x40490fdb
    addi sp, sp, 16
    li t0, 0x7f800001
    fmv.w.x fa1, t0                            # fmv.w.x boxes and does not quieten
    CHECKF 48, fa1, BOX | 0x7f800001
    # fused multiply-add: (1 + 2^-14)^2 - (1 + 2^-13) = 2^-28 only when rounded once
    FOP3 49, fmv.w.x, fmadd.s, 0x3f800200, 0x3f800200, 0xbf800400, rne, BOX | 0x31800000, 0
    FOP3 50, fmv.w.x, fmsub.s, 0x3f800200, 0x3f800200, 0x3f800400, rne, BOX | 0x31800000, 0
    FOP3 51, fmv.w.x, fnmadd.s, 0x3f800200, 0x3f800200, 0xbf800400, rne, BOX | 0xb1800000, 0
    FOP3 52, fmv.w.x, fnmsub.s, 0x3f800200, 0x3f800200, 0x3f800400, rne, BOX | 0xb1800000, 0
    FOP3 53, fmv.w.x, fmadd.s, PZERO, PINF, ONE, rne, BOX | CNAN, NV
    FOP3 54, fmv.w.x, fmadd.s, ONE, ONE, QNAN_PAYLOAD, rne, BOX | CNAN, 0
    # min/max/compare
    FOP2 55, fmv.w.x, fmin.s, QNAN_PAYLOAD, ONE, none, BOX | ONE, 0
    FOP2 56, fmv.w.x, fmax.s, SNAN, ONE, none, BOX | ONE, NV
    FOP2 57, fmv.w.x, fmax.s, CNAN, QNAN_PAYLOAD, none, BOX | CNAN, 0
    FOP2 58, fmv.w.x, fmin.s, MZERO, PZERO, none, BOX | MZERO, 0
    FOP2 59, fmv.w.x, fmax.s, MZERO, PZERO, none, BOX | PZERO, 0
    FCMP 60, fmv.w.x, feq.s, QNAN_PAYLOAD, QNAN_PAYLOAD, 0, 0
    FCMP 61, fmv.w.x, feq.s, SNAN, ONE, 0, NV
    FCMP 62, fmv.w.x, flt.s, ONE, CNAN, 0, NV
    FCMP 63, fmv.w.x, fle.s, MZERO, PZERO, 1, 0
    FCMP 64, fmv.w.x, flt.s, MONE, ONE, 1, 0
    # fclass
    TOINT 65, fmv.w.x, fclass.s, MINF, none, 1, 0
    TOINT 66, fmv.w.x, fclass.s, MONE, none, 2, 0
    TOINT 67, fmv.w.x, fclass.s, 0x80000001, none, 4, 0
    TOINT 68, fmv.w.x, fclass.s, MZERO, none, 8, 0
    TOINT 69, fmv.w.x, fclass.s, PZERO, none, 16, 0
    TOINT 70, fmv.w.x, fclass.s, FSUBMIN, none, 32, 0
    TOINT 71, fmv.w.x, fclass.s, ONE, none, 64, 0
    TOINT 72, fmv.w.x, fclass.s, PINF, none, 128, 0
    TOINT 73, fmv.w.x, fclass.s, SNAN, none, 256, 0
    TOINT 74, fmv.w.x, fclass.s, CNAN, none, 512, 0
    # sign injection
    FOP2 75, fmv.w.x, fsgnj.s, ONE, MZERO, none, BOX | MONE, 0
    FOP2 76, fmv.w.x, fsgnjn.s, MONE, MONE, none, BOX | ONE, 0
    FOP2 77, fmv.w.x, fsgnjx.s, MONE, MONE, none, BOX | ONE, 0
    FOP2 78, fmv.w.x, fsgnjx.s, SNAN, MONE, none, BOX | 0xff800001, 0
    # conversions to integers
    TOINT 79, fmv.w.x, fcvt.w.s, CNAN, rtz, 0x7fffffff, NV
    TOINT 80, fmv.w.x, fcvt.w.s, MINF, rtz, 0xffffffff80000000, NV
    TOINT 81, fmv.w.x, fcvt.w.s, 0x4f000000, rtz, 0x7fffffff, NV                 # 2^31
    TOINT 82, fmv.w.x, fcvt.w.s, 0xcf000000, rtz, 0xffffffff80000000, 0          # -2^31
    TOINT 83, fmv.w.x, fcvt.wu.s, CNAN, rtz, 0xffffffffffffffff, NV
    TOINT 84, fmv.w.x, fcvt.wu.s, MONE, rtz, 0, NV
    TOINT 85, fmv.w.x, fcvt.wu.s, 0x4f7fffff, rtz, 0xffffffffffffff00, 0         # 2^32 - 256, sign-extended
    TOINT 86, fmv.w.x, fcvt.l.s, CNAN, rtz, 0x7fffffffffffffff, NV
    TOINT 87, fmv.w.x, fcvt.l.s, MINF, rtz, 0x8000000000000000, NV
    TOINT 88, fmv.w.x, fcvt.l.s, 0x5f000000, rtz, 0x7fffffffffffffff, NV         # 2^63
    TOINT 89, fmv.w.x, fcvt.lu.s, PINF, rtz, 0xffffffffffffffff, NV
    TOINT 90, fmv.w.x, fcvt.lu.s, 0xbf000000, rup, 0, NX                          # -0.5 up to -0 = 0
    TOINT 91, fmv.w.x, fcvt.lu.s, 0xbf000000, rdn, 0, NV                          # -0.5 down to -1: invalid
    TOINT 92, fmv.w.x, fcvt.w.s, TWO_HALF, rne, 2, NX
    TOINT 93, fmv.w.x, fcvt.w.s, TWO_HALF, rmm, 3, NX
    TOINT 94, fmv.w.x, fcvt.w.s, TWO_HALF, rup, 3, NX
    TOINT 95, fmv.w.x, fcvt.w.s, TWO_HALF, rdn, 2, NX
    TOINT 96, fmv.w.x, fcvt.w.s, MTWO_HALF, rdn, -3, NX
    TOINT 97, fmv.w.x, fcvt.w.s, MTWO_HALF, rtz, -2, NX
    TOINT 98, fmv.w.x, fcvt.w.s, 0x3fc00000, rne, 2, NX                            # 1.5 ties to even 2
    # conversions from integers
    FROMINT 99, fcvt.s.w, 16777217, rne, BOX | 0x4b800000, NX                    # 2^24 + 1: tie to even
    FROMINT 100, fcvt.s.w, 16777217, rup, BOX | 0x4b800001, NX
    FROMINT 101, fcvt.s.w, -1, rne, BOX | MONE, 0
    FROMINT 102, fcvt.s.wu, 0xffffffff, rne, BOX | 0x4f800000, NX                # 2^32
    FROMINT 103, fcvt.s.wu, 0xffffffff, rtz, BOX | 0x4f7fffff, NX
    FROMINT 104, fcvt.s.l, 0x8000000000000000, rne, BOX | 0xdf000000, 0
    FROMINT 105, fcvt.s.lu, 0xffffffffffffffff, rne, BOX | 0x5f800000, NX        # 2^64
    FROMINT 106, fcvt.s.w, 0x123456789, rne, BOX | 0x4e0d159e, NX                # low word 0x23456789 = 2^29 * (1 + 857502.14 / 2^23)
    PASS
