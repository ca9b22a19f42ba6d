# Machine interrupts from the CLINT (privileged spec 3.1.9 mip/mie, 3.2.1 mtime/mtimecmp;
# CLINT at 0x0200_0000 on virt: msip +0, mtimecmp +0x4000, mtime +0xBFF8): mip.MTIP follows
# mtime >= mtimecmp, a timer interrupt arrives without further CLINT accesses, a software
# interrupt follows msip, and mcause has the interrupt bit set with codes 7 and 3.
#include "check.S"
#define CLINT 0x02000000
#define MSIP (CLINT + 0)
#define MTIMECMP (CLINT + 0x4000)
#define MTIME (CLINT + 0xbff8)
    .data
    .align 3
last_cause: .dword 0
interrupts: .dword 0
    .text
    .align 2
# Records mcause; clobbers t1; silences the source (mtimecmp to all ones, msip to 0) and returns.
handler:
    csrw mscratch, t0
    la t0, last_cause
    csrr t1, mcause
    sd t1, 0(t0)
    ld t1, 8(t0)
    addi t1, t1, 1
    sd t1, 8(t0)
    li t0, MTIMECMP
    li t1, -1
    sd t1, 0(t0)
    li t0, MSIP
    sw zero, 0(t0)
    csrr t0, mscratch
    mret

    TEST_BEGIN
    la t0, handler
    csrw mtvec, t0
    # mtime advances
    li s0, MTIME
    ld t1, 0(s0)
    li t3, 1000000
1:  ld t2, 0(s0)
    bne t2, t1, 2f
    addi t3, t3, -1
    bnez t3, 1b
    li a0, 1
    j test_fail
2:  # MTIP is a level: pending while mtime >= mtimecmp, with interrupts still disabled
    li s1, MTIMECMP
    sd zero, 0(s1)
    csrr t1, mip
    srli t1, t1, 7
    andi t1, t1, 1
    CHECK 2, t1, 1
    li t0, -1
    sd t0, 0(s1)
    csrr t1, mip
    srli t1, t1, 7
    andi t1, t1, 1
    CHECK 3, t1, 0
    # 32-bit halves of mtimecmp read back
    li t0, 0x1234567887654321
    sd t0, 0(s1)
    lwu t1, 0(s1)
    CHECK 4, t1, 0x87654321
    lwu t1, 4(s1)
    CHECK 5, t1, 0x12345678
    li t0, -1
    sd t0, 0(s1)
    # a timer interrupt 1 ms ahead (10 MHz timebase), waited for with wfi only
    li t0, (1 << 7)
    csrs mie, t0
    csrsi mstatus, 8                           # MIE
    ld s2, 0(s0)
    li t2, 10000
    add s2, s2, t2                             # s2: the deadline (the handler clobbers t1)
    sd s2, 0(s1)
    li t3, 100000
    # Check and wait with MIE clear (wfi still wakes on a pending, mie-enabled interrupt), so an
    # interrupt that lands between the check and the wfi is not taken there and then waited
    # for in vain; it is taken once MIE is set again.
3:  csrci mstatus, 8
    la t4, interrupts
    ld t4, 0(t4)
    bnez t4, 4f
    wfi
    csrsi mstatus, 8
    addi t3, t3, -1
    bnez t3, 3b
    li a0, 6
    j test_fail
4:  la t4, last_cause
    ld t5, 0(t4)
    CHECK 7, t5, 0x8000000000000007
    ld t5, 0(s0)                                # it did not come early
    bltu t5, s2, early
    # a software interrupt from msip
    csrci mstatus, 8
    li t0, (1 << 3)
    csrs mie, t0
    li t0, MSIP
    li t1, 1
    sw t1, 0(t0)
    lw t2, 0(t0)
    CHECK 8, t2, 1
    csrr t2, mip
    andi t2, t2, 8
    CHECK 9, t2, 8
    csrsi mstatus, 8                           # taken here
    nop
    csrci mstatus, 8
    la t4, interrupts
    ld t5, 0(t4)
    CHECK 10, t5, 2
    ld t5, -8(t4)
    CHECK 11, t5, 0x8000000000000003
    csrr t2, mip
    andi t2, t2, 8
    CHECK 12, t2, 0
    csrw mie, zero
    la t0, unexpected_trap
    csrw mtvec, t0
    PASS
early:
    mv a1, t5
    mv a2, s2
    li a0, 13
    j test_fail
