# Loads sign- or zero-extend, stores write only their width, misaligned accesses to RAM work.
#include "check.S"
    .data
    .align 4
buffer:
    .dword 0x8081828384858687, 0xf0e0d0c0b0a09080, 0, 0
    TEST_BEGIN
    la s0, buffer
    lb t0, 0(s0)
    CHECK 1, t0, 0xffffffffffffff87
    lbu t0, 0(s0)
    CHECK 2, t0, 0x87
    lh t0, 0(s0)
    CHECK 3, t0, 0xffffffffffff8687
    lhu t0, 0(s0)
    CHECK 4, t0, 0x8687
    lw t0, 0(s0)
    CHECK 5, t0, 0xffffffff84858687
    lwu t0, 0(s0)
    CHECK 6, t0, 0x84858687
    ld t0, 0(s0)
    CHECK 7, t0, 0x8081828384858687
    lb t0, 7(s0)
    CHECK 8, t0, 0xffffffffffffff80
    lh t0, 14(s0)                              # negative-free offsets across the dword
    CHECK 9, t0, 0xfffffffffffff0e0
    addi s1, s0, 16
    lw t0, -4(s1)                              # negative offset
    CHECK 10, t0, 0xfffffffff0e0d0c0
    # stores write only their width
    addi s1, s0, 16
    li t1, -1
    sd t1, 0(s1)
    li t1, 0x1122334455667788
    sb t1, 0(s1)
    ld t0, 0(s1)
    CHECK 11, t0, 0xffffffffffffff88
    sh t1, 2(s1)
    ld t0, 0(s1)
    CHECK 12, t0, 0xffffffff7788ff88
    sw t1, 4(s1)
    ld t0, 0(s1)
    CHECK 13, t0, 0x556677887788ff88
    sd t1, 8(s1)
    ld t0, 8(s1)
    CHECK 14, t0, 0x1122334455667788
    # misaligned loads and stores in RAM
    lh t0, 1(s0)
    CHECK 15, t0, 0xffffffffffff8586
    lw t0, 3(s0)
    CHECK 16, t0, 0xffffffff81828384
    lwu t0, 5(s0)
    CHECK 17, t0, 0x80808182
    ld t0, 1(s0)
    CHECK 18, t0, 0x8080818283848586
    ld t0, 7(s0)                               # crosses the dword boundary
    CHECK 19, t0, 0xe0d0c0b0a0908080
    lhu t0, 7(s0)
    CHECK 20, t0, 0x8080
    sd zero, 0(s1)
    sd zero, 8(s1)
    li t1, 0x0102030405060708
    sd t1, 3(s1)
    ld t0, 0(s1)
    CHECK 21, t0, 0x0405060708000000
    ld t0, 8(s1)
    CHECK 22, t0, 0x0000000000010203
    sw t1, 9(s1)
    ld t0, 8(s1)
    CHECK 23, t0, 0x0000000506070803
    sh t1, 15(s1)
    ld t0, 8(s1)
    CHECK 24, t0, 0x0800000506070803
    lbu t0, 16(s1)
    CHECK 25, t0, 0x07
    # load into x0 has no effect on x0 (but is performed)
    ld zero, 0(s0)
    CHECK 26, zero, 0
    # store then load of the same address sees the store (no stale value)
    li t1, 0x5a
    sb t1, 1(s0)
    lbu t0, 1(s0)
    CHECK 27, t0, 0x5a
    PASS
