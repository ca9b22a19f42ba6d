# A extension: LR/SC success and failure paths, and every AMO's old value and new memory
# value for .w (sign-extended 32-bit) and .d.
#include "check.S"
    .data
    .align 6
word:   .word 0, 0
    .align 6                            # a different reservation granule (cache line)
dword:  .dword 0, 0

    # AMO_D n, op, initial, operand, newmem: rd = old value, memory = newmem
    .macro AMO_D n, op, initial, operand, newmem
    li t0, \initial
    sd t0, 0(s0)
    li t1, \operand
    \op\().d t2, t1, (s0)
    CHECK \n, t2, \initial
    ld t3, 0(s0)
    CHECK (\n + 100), t3, \newmem
    .endm
    # AMO_W n, op, initial, operand, newmem (32-bit values; rd is the sign-extended old word)
    .macro AMO_W n, op, initial, operand, newmem
    li t0, \initial
    sw t0, 0(s1)
    li t1, \operand
    \op\().w t2, t1, (s1)
    slli t4, t0, 32
    srai t4, t4, 32
    CHECKR \n, t2, t4
    lwu t3, 0(s1)
    CHECK (\n + 100), t3, \newmem
    .endm

    TEST_BEGIN
    la s0, dword
    la s1, word
    AMO_D 1, amoswap, 0x1111111111111111, 0x2222222222222222, 0x2222222222222222
    AMO_D 2, amoadd, 0xffffffffffffffff, 2, 1
    AMO_D 3, amoand, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0x0f000f000f000f00
    AMO_D 4, amoor, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xfff0fff0fff0fff0
    AMO_D 5, amoxor, 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xf0f0f0f0f0f0f0f0
    AMO_D 6, amomin, -5, 3, -5
    AMO_D 7, amomin, 7, -3, -3
    AMO_D 8, amomax, -5, 3, 3
    AMO_D 9, amomax, 0x8000000000000000, 0x7fffffffffffffff, 0x7fffffffffffffff
    AMO_D 10, amominu, -5, 3, 3
    AMO_D 11, amominu, 2, -1, 2
    AMO_D 12, amomaxu, -5, 3, -5
    AMO_D 13, amomaxu, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000
    AMO_W 21, amoswap, 0x80000001, 0x12345678, 0x12345678
    AMO_W 22, amoadd, 0xffffffff, 2, 1
    AMO_W 23, amoadd, 0x7fffffff, 1, 0x80000000
    AMO_W 24, amoand, 0xff00ff00, 0x0ff00ff0, 0x0f000f00
    AMO_W 25, amoor, 0xff00ff00, 0x0ff00ff0, 0xfff0fff0
    AMO_W 26, amoxor, 0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0
    AMO_W 27, amomin, 0xfffffffb, 3, 0xfffffffb       # -5 < 3 as 32-bit signed
    AMO_W 28, amomax, 0xfffffffb, 3, 3
    AMO_W 29, amominu, 0xfffffffb, 3, 3
    AMO_W 30, amomaxu, 0xfffffffb, 3, 0xfffffffb
    AMO_W 31, amomin, 0x80000000, 0x7fffffff, 0x80000000
    AMO_W 32, amomaxu, 0x80000000, 0x7fffffff, 0x80000000
    # .w operands use only the low 32 bits of rs2
    li t0, 5
    sw t0, 0(s1)
    li t1, 0x00000001fffffffe           # low word -2
    amomin.w t2, t1, (s1)
    lw t3, 0(s1)
    CHECK 33, t3, -2
    # the upper word next to a .w AMO is untouched
    li t0, 0x5555555566666666
    sd t0, 0(s1)
    li t1, 1
    amoadd.w t2, t1, (s1)
    ld t3, 0(s1)
    CHECK 34, t3, 0x5555555566666667
    # rd = x0 still performs the update
    amoswap.d zero, t1, (s0)
    ld t3, 0(s0)
    CHECK 35, t3, 1
    # LR/SC success: sc writes 0 to rd and stores
    li t0, 10
    sd t0, 0(s0)
    lr.d t1, (s0)
    CHECK 36, t1, 10
    addi t1, t1, 5
    sc.d t2, t1, (s0)
    CHECK 37, t2, 0
    ld t3, 0(s0)
    CHECK 38, t3, 15
    # a second SC without a new LR fails: rd nonzero, memory unchanged
    li t1, 99
    sc.d t2, t1, (s0)
    beqz t2, sc_should_fail
    ld t3, 0(s0)
    CHECK 39, t3, 15
    # LR.W sign-extends; SC.W success stores 32 bits
    li t0, 0x00000000fffffff0
    sd t0, 0(s1)
    lr.w t1, (s1)
    CHECK 40, t1, 0xfffffffffffffff0
    li t1, 0x1234
    sc.w t2, t1, (s1)
    CHECK 41, t2, 0
    ld t3, 0(s1)
    CHECK 42, t3, 0x1234
    # SC to a different address than the reservation fails (the reservation set is one dword here)
    lr.d t1, (s0)
    li t1, 77
    sc.d t2, t1, (s1)
    beqz t2, sc_should_fail
    ld t3, 0(s1)
    CHECK 43, t3, 0x1234
    # a retry loop (the usual compare-and-swap idiom) converges
    li t0, 3
    sd t0, 0(s0)
    li t4, 1000
1:  addi t4, t4, -1
    beqz t4, sc_never_succeeds
    lr.d t1, (s0)
    addi t1, t1, 4
    sc.d t2, t1, (s0)
    bnez t2, 1b
    ld t3, 0(s0)
    CHECK 44, t3, 7
    # aq/rl variants behave the same in a single hart
    li t1, 1
    amoadd.d.aqrl t2, t1, (s0)
    CHECK 45, t2, 7
    lr.d.aq t1, (s0)
    sc.d.rl t2, t1, (s0)
    CHECK 46, t2, 0
    PASS
sc_should_fail:
    li a0, 47
    li a1, 0
    li a2, 1
    j test_fail
sc_never_succeeds:
    li a0, 48
    li a1, 1
    li a2, 0
    j test_fail
