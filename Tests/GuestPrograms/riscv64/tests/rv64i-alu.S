# RV64I register-register and immediate ALU operations (unprivileged spec ch. 2 and 5).
#include "check.S"
    TEST_BEGIN
    li t0, 0x7fffffffffffffff
    li t1, 1
    add t2, t0, t1
    CHECK 1, t2, 0x8000000000000000          # wraps, no trap
    sub t2, zero, t1
    CHECK 2, t2, -1
    li t0, 0x8000000000000000
    sub t2, t0, t1
    CHECK 3, t2, 0x7fffffffffffffff
    addi t2, zero, -2048                       # 12-bit immediate sign-extends
    CHECK 4, t2, 0xfffffffffffff800
    addi t2, t1, 2047
    CHECK 5, t2, 2048
    li t0, 0xf0f0f0f0f0f0f0f0
    li t1, 0xff00ff00ff00ff00
    and t2, t0, t1
    CHECK 6, t2, 0xf000f000f000f000
    or t2, t0, t1
    CHECK 7, t2, 0xfff0fff0fff0fff0
    xor t2, t0, t1
    CHECK 8, t2, 0x0ff00ff00ff00ff0
    andi t2, t0, -16                           # immediate 0xfff...ff0
    CHECK 9, t2, 0xf0f0f0f0f0f0f0f0
    ori t2, zero, -1
    CHECK 10, t2, -1
    xori t2, t0, -1                            # not
    CHECK 11, t2, 0x0f0f0f0f0f0f0f0f
    andi t2, t0, 0x7ff
    CHECK 12, t2, 0xf0
    # slt / sltu / slti / sltiu
    li t0, -1
    li t1, 1
    slt t2, t0, t1
    CHECK 13, t2, 1
    sltu t2, t0, t1
    CHECK 14, t2, 0
    slt t2, t1, t0
    CHECK 15, t2, 0
    sltu t2, t1, t0
    CHECK 16, t2, 1
    slti t2, t0, 0
    CHECK 17, t2, 1
    sltiu t2, t1, -1                           # compared with 0xfff...f unsigned
    CHECK 18, t2, 1
    sltiu t2, zero, 1                          # seqz
    CHECK 19, t2, 1
    sltu t2, zero, t0                          # snez
    CHECK 20, t2, 1
    slt t2, t0, t0
    CHECK 21, t2, 0
    li t0, 0x8000000000000000
    li t1, 0x7fffffffffffffff
    slt t2, t0, t1
    CHECK 22, t2, 1
    sltu t2, t0, t1
    CHECK 23, t2, 0
    # lui / auipc sign-extend their 32-bit result on RV64
    lui t2, 0x80000
    CHECK 24, t2, 0xffffffff80000000
    lui t2, 0x7ffff
    CHECK 25, t2, 0x7ffff000
    lui t2, 0xfffff
    CHECK 26, t2, 0xfffffffffffff000
1:  auipc t2, 0
    la t3, 1b
    CHECKR 27, t2, t3
2:  auipc t2, 1
    la t3, 2b
    sub t2, t2, t3
    CHECK 28, t2, 0x1000
    # writes to x0 are discarded
    li t0, 99
    add zero, t0, t0
    addi zero, zero, 5
    CHECK 29, zero, 0
    mv t2, zero
    CHECK 30, t2, 0
    # rd = rs1 = rs2 aliasing
    li t2, 21
    add t2, t2, t2
    CHECK 31, t2, 42
    sub t2, t2, t2
    CHECK 32, t2, 0
    PASS
