# RV64I shifts: register amounts use the low 6 bits, immediate amounts 0..63 (spec 5.2).
#include "check.S"
    TEST_BEGIN
    li t0, 0x8000000000000001
    slli t2, t0, 0
    CHECK 1, t2, 0x8000000000000001
    slli t2, t0, 1
    CHECK 2, t2, 2
    slli t2, t0, 63
    CHECK 3, t2, 0x8000000000000000
    srli t2, t0, 63
    CHECK 4, t2, 1
    srai t2, t0, 63
    CHECK 5, t2, -1
    srai t2, t0, 1
    CHECK 6, t2, 0xc000000000000000
    srli t2, t0, 1
    CHECK 7, t2, 0x4000000000000000
    li t1, 64                                   # only the low 6 bits count: shift by 0
    sll t2, t0, t1
    CHECK 8, t2, 0x8000000000000001
    li t1, 65
    sll t2, t0, t1
    CHECK 9, t2, 2
    li t1, -1                                   # 63
    srl t2, t0, t1
    CHECK 10, t2, 1
    sra t2, t0, t1
    CHECK 11, t2, -1
    li t1, 0x7fffffffffffff84                   # low bits 4
    sra t2, t0, t1
    CHECK 12, t2, 0xf800000000000000
    srl t2, t0, t1
    CHECK 13, t2, 0x0800000000000000
    li t0, 0x0123456789abcdef
    li t1, 32
    sll t2, t0, t1
    CHECK 14, t2, 0x89abcdef00000000
    srl t2, t0, t1
    CHECK 15, t2, 0x01234567
    sra t2, t0, t1
    CHECK 16, t2, 0x01234567
    li t0, 0xfedcba9876543210
    srai t2, t0, 32
    CHECK 17, t2, 0xfffffffffedcba98
    srli t2, t0, 32
    CHECK 18, t2, 0xfedcba98
    srai t2, t0, 0
    CHECK 19, t2, 0xfedcba9876543210
    # 32-bit shifts: 5-bit amounts, sign-extended 32-bit results
    li t0, 0x00000000ffffffff
    slliw t2, t0, 31
    CHECK 20, t2, 0xffffffff80000000
    srliw t2, t0, 31
    CHECK 21, t2, 1
    sraiw t2, t0, 31
    CHECK 22, t2, -1
    li t0, 0x1234567880000000                   # upper half ignored by the W forms
    srliw t2, t0, 0
    CHECK 23, t2, 0xffffffff80000000            # shift 0 still sign-extends bit 31
    srliw t2, t0, 4
    CHECK 24, t2, 0x08000000
    sraiw t2, t0, 4
    CHECK 25, t2, 0xfffffffff8000000
    li t1, 36                                   # low 5 bits: 4
    srlw t2, t0, t1
    CHECK 26, t2, 0x08000000
    sraw t2, t0, t1
    CHECK 27, t2, 0xfffffffff8000000
    li t0, 1
    li t1, 63                                   # low 5 bits: 31
    sllw t2, t0, t1
    CHECK 28, t2, 0xffffffff80000000
    li t1, 32                                   # low 5 bits: 0
    sllw t2, t0, t1
    CHECK 29, t2, 1
    PASS
