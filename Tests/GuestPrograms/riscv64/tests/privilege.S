# Privilege modes (privileged ISA 1.12 §3.1.6-3.1.9, §3.3, §4.1): ecall causes per mode, CSR
# privilege, delegation through medeleg/mideleg, sret (and TSR), wfi in U-mode, S-mode
# software and timer interrupts, and mcounteren/scounteren.
#include "check.S"
#include "modes.S"
    TEST_BEGIN
    SETUP_HANDLERS
    csrr t0, misa
    srli t0, t0, 18
    andi t0, t0, 0x5
    CHECK 1, t0, 0x5                           # misa.S and misa.U

    # ecall from S-mode: cause 9, MPP = S
    ENTER 1, s_ecall, 1f
s_ecall: ecall
1:  MTRAP 2, 9, 0
    la t3, m_trap
    ld t4, 24(t3)
    srli t4, t4, 11
    andi t4, t4, 3
    CHECK 4, t4, 1
    ld t4, 8(t3)
    la t5, s_ecall
    CHECKR 5, t4, t5

    # ecall from U-mode: cause 8, MPP = U
    ENTER 0, u_ecall, 1f
u_ecall: ecall
1:  MTRAP 6, 8, 0
    la t3, m_trap
    ld t4, 24(t3)
    srli t4, t4, 11
    andi t4, t4, 3
    CHECK 8, t4, 0

    # S-mode CSRs are illegal in U-mode, M-mode CSRs in S-mode (mtval = the instruction)
    ENTER 0, u_csr, 1f
u_csr: csrr a0, sstatus
1:  MTRAP 9, 2, 0x10002573
    ENTER 1, s_csr, 1f
s_csr: csrr a0, mstatus
1:  MTRAP 11, 2, 0x30002573

    # delegated: ecall from U and illegal instructions go to S, with SPP = U
    li t0, (1 << 8) | (1 << 2)
    csrw medeleg, t0
    ENTER 0, u_ecall2, 1f
u_ecall2: ecall
1:  STRAP 13, 8, 0
    la t3, s_trap
    ld t4, 8(t3)
    la t5, u_ecall2
    CHECKR 15, t4, t5
    ld t4, 24(t3)
    andi t4, t4, 1 << 8
    CHECK 16, t4, 0                            # SPP = U
    MTRAP 17, 9, 0                             # then s_handler's ecall reached M
    ENTER 0, u_illegal, 1f
u_illegal: .word 0
1:  STRAP 19, 2, 0

    # sret from S-mode to U-mode at sepc
    ENTER 1, s_sret, 1f
s_sret:
    la t0, u_after_sret
    csrw sepc, t0
    li t0, 1 << 8
    csrc sstatus, t0
    sret
u_after_sret: ecall
1:  STRAP 21, 8, 0
    la t3, s_trap
    ld t4, 8(t3)
    la t5, u_after_sret
    CHECKR 23, t4, t5

    # sret and wfi are illegal in U-mode; sret is illegal in S-mode under TSR
    ENTER 0, u_sret, 1f
u_sret: sret
1:  STRAP 24, 2, 0x10200073
    ENTER 0, u_wfi, 1f
u_wfi: wfi
1:  STRAP 26, 2, 0x10500073
    li t0, 1 << 22
    csrs mstatus, t0
    ENTER 1, s_tsr, 1f
s_tsr: sret
1:  STRAP 28, 2, 0x10200073
    li t0, 1 << 22
    csrc mstatus, t0

    # S-mode software interrupt: delegated, taken in S when SIE is set
    li t0, 0x222
    csrw mideleg, t0
    csrr t0, mideleg
    andi t0, t0, 0x222                         # (QEMU also forces its H-extension bits)
    CHECK 30, t0, 0x222
    li t0, 2
    csrw mie, t0
    ENTER 1, s_ssi, 1f
s_ssi:
    csrsi sstatus, 2                           # SIE
    csrsi sip, 2                               # SSIP: the interrupt is taken here
2:  j 2b
1:  STRAP 31, 0x8000000000000001, 0
    csrci mip, 2
    csrr t0, mip
    andi t0, t0, 2
    CHECK 33, t0, 0

    # In U-mode S interrupts are taken whatever SIE says
    li t0, 1 << 1
    csrc mstatus, t0                           # SIE = 0
    csrsi mip, 2
    ENTER 0, u_ssi, 1f
u_ssi: j u_ssi
1:  STRAP 34, 0x8000000000000001, 0
    la t3, s_trap
    ld t4, 8(t3)
    la t5, u_ssi
    CHECKR 36, t4, t5
    csrci mip, 2

    # S-mode timer interrupt raised by M-mode through mip.STIP
    li t0, 1 << 5
    csrw mie, t0
    csrs mip, t0
    ENTER 1, s_sti, 1f
s_sti:
    csrsi sstatus, 2
2:  j 2b
1:  STRAP 37, 0x8000000000000005, 0
    li t0, 1 << 5
    csrc mip, t0
    csrw mie, zero

    # counters: hidden by mcounteren in S-mode, and by scounteren in U-mode
    csrw mcounteren, zero
    ENTER 1, s_cycle, 1f
s_cycle: rdcycle a0
1:  STRAP 39, 2, 0xC0002573
    li t0, 7
    csrw mcounteren, t0
    csrw scounteren, zero
    ENTER 0, u_time, 1f
u_time: rdtime a0
1:  STRAP 41, 2, 0xC0102573
    li a0, 0
    ENTER 1, s_time, 1f
s_time:
    rdtime a0
    ecall
1:  MTRAP 43, 9, 0
    la t3, m_trap
    ld t4, 8(t3)
    beqz a0, fail_time                         # time reads as mtime: nonzero once running
    PASS
fail_time:
    CHECK 45, a0, 1
