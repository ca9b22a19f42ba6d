# RV64I word operations: 32-bit arithmetic whose result is sign-extended to 64 bits.
#include "check.S"
    TEST_BEGIN
    li t0, 0x7fffffff
    li t1, 1
    addw t2, t0, t1
    CHECK 1, t2, 0xffffffff80000000
    addiw t2, t0, 1
    CHECK 2, t2, 0xffffffff80000000
    li t0, 0x123456789abcdef0           # the upper half of the operands is ignored
    addiw t2, t0, 0                     # sext.w
    CHECK 3, t2, 0xffffffff9abcdef0
    li t1, 0x0fedcba900000010
    addw t2, t0, t1
    CHECK 4, t2, 0xffffffff9abcdf00
    subw t2, t0, t1
    CHECK 5, t2, 0xffffffff9abcdee0
    li t0, 0x80000000
    li t1, 1
    subw t2, t0, t1                     # -2^31 - 1 wraps to 2^31 - 1
    CHECK 6, t2, 0x7fffffff
    addiw t2, zero, -1
    CHECK 7, t2, -1
    li t0, 0xffffffff
    addiw t2, t0, 1
    CHECK 8, t2, 0
    li t0, 0x00000000fffff800
    addiw t2, t0, 2047
    CHECK 9, t2, -1
    subw t2, zero, zero
    CHECK 10, t2, 0
    li t0, 0x100000000
    subw t2, t0, t1                     # 0 - 1
    CHECK 11, t2, -1
    li t0, 0x00000000ffffffff
    li t1, 0x00000000ffffffff
    addw t2, t0, t1
    CHECK 12, t2, -2
    li t0, 0x40000000
    addw t2, t0, t0
    CHECK 13, t2, 0xffffffff80000000
    addw t2, t2, t2                     # 2^32 wraps to 0
    CHECK 14, t2, 0
    PASS
