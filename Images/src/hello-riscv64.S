/*
 * A bare-metal riscv64 program for the virt board: prints one line on the NS16550A UART and
 * powers the machine off through the SiFive test device. It needs no firmware (--bios none),
 * no stack and no RAM beyond its own image, and runs in M-mode from 0x80000000.
 */
        .equ UART_BASE, 0x10000000      /* NS16550A: THR at +0, LSR at +5 */
        .equ UART_LSR_THRE, 0x20        /* LSR bit 5: the transmit holding register is empty */
        .equ TEST_BASE, 0x100000        /* SiFive test device ("sifive,test0") */
        .equ TEST_POWEROFF_PASS, 0x5555

        .section .text.start, "ax"
        .globl _start
_start:
        csrr    t0, mhartid
        bnez    t0, park                /* only hart 0 prints */
        la      a0, message
        li      t1, UART_BASE
next_byte:
        lbu     a1, 0(a0)
        beqz    a1, power_off
wait_for_room:
        lbu     t2, 5(t1)
        andi    t2, t2, UART_LSR_THRE
        beqz    t2, wait_for_room
        sb      a1, 0(t1)
        addi    a0, a0, 1
        j       next_byte
power_off:
        li      t1, TEST_BASE
        li      t2, TEST_POWEROFF_PASS
        sw      t2, 0(t1)
park:
        wfi
        j       park

        .section .rodata
message:
        .asciz  "Hello from xemu (riscv64 bare metal)\n"
