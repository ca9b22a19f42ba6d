# Entry of every bare-metal test program: hart 0 runs, others park. Sets up a stack, the FPU
# (mstatus.FS = Initial), a default trap handler that reports any unexpected trap, clears
# .bss and calls test_main(); a return value of 0 passes, n fails with check number n.
    .section .text.start, "ax"
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park
    la sp, __stack_top
    li t0, (1 << 13)            # mstatus.FS = Initial: FP instructions allowed
    csrs mstatus, t0
    csrwi fcsr, 0
    la t0, unexpected_trap
    csrw mtvec, t0
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call test_main
    beqz a0, 3f
    li a1, 0
    li a2, 0
    j test_fail
3:  j test_pass
park:
    wfi
    j park

    .text
    .align 2
    .globl unexpected_trap
unexpected_trap:
    la sp, __stack_top
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    call report_unexpected_trap
    li a0, 255
    li a1, 0
    li a2, 0
    j test_fail
