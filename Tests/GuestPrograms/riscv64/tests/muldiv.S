# M extension: products, high halves by signedness, division by zero and overflow
# (unprivileged spec 13.2 table: x/0 = -1 (all ones), x%0 = x, INT_MIN/-1 = INT_MIN, rem 0).
#include "check.S"
    TEST_BEGIN
    li t0, 0x123456789
    li t1, 0x987654321
    mul t2, t0, t1
    CHECK 1, t2, 0xd77d742cce1833a9   # low 64 bits of 0x123456789 * 0x987654321
    li t0, -1
    li t1, -1
    mul t2, t0, t1
    CHECK 2, t2, 1
    mulh t2, t0, t1
    CHECK 3, t2, 0
    mulhu t2, t0, t1
    CHECK 4, t2, 0xfffffffffffffffe
    mulhsu t2, t0, t1                  # -1 * (2^64 - 1) = -(2^64 - 1): high = -1
    CHECK 5, t2, -1
    li t0, 0x8000000000000000
    mulh t2, t0, t0                    # 2^126: high 2^62
    CHECK 6, t2, 0x4000000000000000
    mulhu t2, t0, t0
    CHECK 7, t2, 0x4000000000000000
    li t1, 2
    mulh t2, t0, t1                    # -2^63 * 2 = -2^64: high -1
    CHECK 8, t2, -1
    mulhsu t2, t1, t0                  # 2 * 2^63 (unsigned) = 2^64: high 1
    CHECK 9, t2, 1
    mulhsu t2, t0, t1                  # -2^63 * 2: high -1
    CHECK 10, t2, -1
    li t0, 7
    li t1, -2
    div t2, t0, t1                     # rounds toward zero
    CHECK 11, t2, -3
    rem t2, t0, t1                     # sign of the dividend
    CHECK 12, t2, 1
    li t0, -7
    li t1, 2
    div t2, t0, t1
    CHECK 13, t2, -3
    rem t2, t0, t1
    CHECK 14, t2, -1
    divu t2, t0, t1
    CHECK 15, t2, 0x7ffffffffffffffc
    remu t2, t0, t1
    CHECK 16, t2, 1
    # division by zero
    li t0, 1234
    div t2, t0, zero
    CHECK 17, t2, -1
    divu t2, t0, zero
    CHECK 18, t2, -1
    rem t2, t0, zero
    CHECK 19, t2, 1234
    remu t2, t0, zero
    CHECK 20, t2, 1234
    li t0, -5
    rem t2, t0, zero
    CHECK 21, t2, -5
    # signed overflow
    li t0, 0x8000000000000000
    li t1, -1
    div t2, t0, t1
    CHECK 22, t2, 0x8000000000000000
    rem t2, t0, t1
    CHECK 23, t2, 0
    divu t2, t0, t1
    CHECK 24, t2, 0
    remu t2, t0, t1
    CHECK 25, t2, 0x8000000000000000
    # W forms: 32-bit operands, sign-extended 32-bit results
    li t0, 0xffffffff80000000
    li t1, -1
    divw t2, t0, t1
    CHECK 26, t2, 0xffffffff80000000
    remw t2, t0, t1
    CHECK 27, t2, 0
    divw t2, t0, zero
    CHECK 28, t2, -1
    divuw t2, t0, zero
    CHECK 29, t2, -1
    remw t2, t0, zero
    CHECK 30, t2, 0xffffffff80000000
    remuw t2, t0, zero
    CHECK 31, t2, 0xffffffff80000000
    li t0, 0x1234567800000007           # upper halves are ignored
    li t1, 0x00000001fffffffe           # low word -2
    divw t2, t0, t1
    CHECK 32, t2, -3
    remw t2, t0, t1
    CHECK 33, t2, 1
    divuw t2, t0, t1                    # 7 / 0xfffffffe = 0
    CHECK 34, t2, 0
    remuw t2, t0, t1
    CHECK 35, t2, 7
    li t0, 0xfffffffe                   # 4294967294 / 2 = 0x7fffffff
    li t1, 2
    divuw t2, t0, t1
    CHECK 36, t2, 0x7fffffff
    li t1, 1
    divuw t2, t0, t1                   # 0xfffffffe sign-extends
    CHECK 37, t2, 0xfffffffffffffffe
    li t0, 0x10000
    li t1, 0x10000
    mulw t2, t0, t1                    # 2^32 truncates to 0
    CHECK 38, t2, 0
    li t0, 0x7fffffff
    li t1, 2
    mulw t2, t0, t1
    CHECK 39, t2, 0xfffffffffffffffe
    li t0, 0x0000000100000003
    li t1, 0x0000000500000007
    mulw t2, t0, t1
    CHECK 40, t2, 21
    PASS
