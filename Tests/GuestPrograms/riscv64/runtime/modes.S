# Mode-switching helpers for the privilege test programs (included after check.S).
# m_handler records mcause/mepc/mtval/mstatus into m_trap and resumes in M-mode at the address
# stored in m_trap+32; s_handler records scause/sepc/stval/sstatus into s_trap and then makes
# an ecall, which reaches m_handler. Both clobber t0 and t1 only.
    .data
    .align 3
m_trap: .dword 0, 0, 0, 0, 0                   # cause, epc, tval, mstatus, resume address
s_trap: .dword 0, 0, 0, 0                      # cause, epc, tval, sstatus
    .text
    .align 2
m_handler:
    la t0, m_trap
    csrr t1, mcause
    sd t1, 0(t0)
    csrr t1, mepc
    sd t1, 8(t0)
    csrr t1, mtval
    sd t1, 16(t0)
    csrr t1, mstatus
    sd t1, 24(t0)
    ld t1, 32(t0)
    csrw mepc, t1
    li t1, 3 << 11
    csrs mstatus, t1                           # MPP = M: resume in M-mode
    mret

    .align 2
s_handler:
    la t0, s_trap
    csrr t1, scause
    sd t1, 0(t0)
    csrr t1, sepc
    sd t1, 8(t0)
    csrr t1, stval
    sd t1, 16(t0)
    csrr t1, sstatus
    sd t1, 24(t0)
    ecall

    # ENTER mode, target, resume: continue at target in mode (0 U, 1 S); the next trap to M
    # resumes at resume in M-mode.
    .macro ENTER mode, target, resume
    la t0, \resume
    la t1, m_trap
    sd t0, 32(t1)
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, \mode << 11
    csrs mstatus, t0
    la t0, \target
    csrw mepc, t0
    mret
    .endm

    # MTRAP n, cause, tval: the last trap to M had this cause and trap value (checks n, n+1).
    .macro MTRAP n, cause, tval
    la t3, m_trap
    ld t4, 0(t3)
    CHECK \n, t4, \cause
    ld t4, 16(t3)
    CHECK (\n + 1), t4, \tval
    .endm

    # STRAP n, cause, tval: the last trap to S had this cause and trap value (checks n, n+1).
    .macro STRAP n, cause, tval
    la t3, s_trap
    ld t4, 0(t3)
    CHECK \n, t4, \cause
    ld t4, 16(t3)
    CHECK (\n + 1), t4, \tval
    .endm

    # SETUP_HANDLERS: mtvec = m_handler, stvec = s_handler, nothing delegated, and one PMP
    # region granting S and U all of memory (with no PMP entry they could access nothing).
    .macro SETUP_HANDLERS
    li t0, -1
    csrw pmpaddr0, t0
    li t0, 0x1F                                # NAPOT, R W X
    csrw pmpcfg0, t0
    la t0, m_handler
    csrw mtvec, t0
    la t0, s_handler
    csrw stvec, t0
    csrw medeleg, zero
    csrw mideleg, zero
    .endm
