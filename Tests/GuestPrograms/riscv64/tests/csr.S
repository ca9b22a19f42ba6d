# Zicsr and counters: read-modify-write semantics (csrrw/s/c and immediate forms), the
# fflags/frm/fcsr aliases, cycle/instret/time readable and advancing, M-mode identity CSRs.
#include "check.S"
    TEST_BEGIN
    li t0, 0x1234
    csrw mscratch, t0
    li t1, 0x00f0
    csrrs t2, mscratch, t1                     # old value out, bits set
    CHECK 1, t2, 0x1234
    csrr t2, mscratch
    CHECK 2, t2, 0x12f4
    li t1, 0x1004
    csrrc t2, mscratch, t1
    CHECK 3, t2, 0x12f4
    csrr t2, mscratch
    CHECK 4, t2, 0x02f0
    li t1, -1
    csrrw t2, mscratch, t1
    CHECK 5, t2, 0x02f0
    csrrwi t2, mscratch, 0x15
    CHECK 6, t2, -1
    csrrsi t2, mscratch, 0x0a
    CHECK 7, t2, 0x15
    csrrci t2, mscratch, 0x01
    CHECK 8, t2, 0x1f
    csrr t2, mscratch
    CHECK 9, t2, 0x1e
    csrrs t2, mscratch, zero                   # rs1 = x0: read only
    CHECK 10, t2, 0x1e
    # fcsr = frm << 5 | fflags
    csrwi fcsr, 0
    csrwi fflags, 0x1f
    csrr t2, fcsr
    CHECK 11, t2, 0x1f
    csrwi frm, 3
    csrr t2, fcsr
    CHECK 12, t2, 0x7f
    li t0, 0x85                                # frm 4, fflags 5, bits above 7 ignored
    csrw fcsr, t0
    csrr t2, frm
    CHECK 13, t2, 4
    csrr t2, fflags
    CHECK 14, t2, 5
    li t0, 0xff
    csrw fflags, t0                            # only 5 bits exist
    csrr t2, fflags
    CHECK 15, t2, 0x1f
    csrr t2, fcsr
    CHECK 16, t2, 0x9f
    csrrci t2, fflags, 0x10
    CHECK 17, t2, 0x1f
    csrr t2, fcsr
    CHECK 18, t2, 0x8f
    fsflags t2, zero
    fsrm t2, zero
    CHECK 19, t2, 4
    csrr t2, fcsr
    CHECK 20, t2, 0
    # counters: readable, and instret counts retired instructions
    rdcycle t0
    rdinstret t1
    rdtime t2
    li t3, 100
1:  addi t3, t3, -1
    bnez t3, 1b
    rdinstret t4
    sub t4, t4, t1
    li t3, 200                                 # at least the 200 loop instructions retired
    bltu t4, t3, bad_instret                   # (QEMU's TCG counts host ticks: no upper bound)
    rdcycle t4
    bltu t4, t0, bad_counter
    csrr t4, minstret
    bltu t4, t1, bad_counter
    csrr t4, mcycle
    bltu t4, t0, bad_counter
    # time advances (10 MHz on virt): wait until it moves, bounded
    li t3, 10000000
2:  rdtime t4
    bne t4, t2, 3f
    addi t3, t3, -1
    bnez t3, 2b
    li a0, 21
    li a1, 0
    li a2, 1
    j test_fail
3:  bltu t4, t2, bad_counter
    # machine identity
    csrr t2, mhartid
    CHECK 22, t2, 0
    csrr t2, misa
    srli t3, t2, 62
    CHECK 23, t3, 2                            # MXL = 2: 64-bit
    li t3, (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12)   # A C D F I M
    and t4, t2, t3
    CHECKR 24, t4, t3
    # mstatus.FS is not Off (the runtime enabled the FPU); FP use makes it Dirty
    fmv.d.x ft0, zero
    csrr t2, mstatus
    srli t2, t2, 13
    andi t2, t2, 3
    CHECK 25, t2, 3
    PASS
bad_instret:
    mv a1, t4
    li a2, 200
    li a0, 26
    j test_fail
bad_counter:
    mv a1, t4
    li a2, 0
    li a0, 27
    j test_fail
