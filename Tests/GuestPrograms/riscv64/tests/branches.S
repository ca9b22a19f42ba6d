# Conditional branches (signed and unsigned), JAL and JALR link values, JALR clears bit 0.
#include "check.S"
    .macro TAKEN n, op, a, b
    li t3, \a
    li t4, \b
    \op t3, t4, .Lt\@
    li a0, \n
    li a1, 0
    li a2, 1
    j test_fail
.Lt\@:
    .endm
    .macro NOT_TAKEN n, op, a, b
    li t3, \a
    li t4, \b
    \op t3, t4, .Lf\@
    j .Ln\@
.Lf\@:
    li a0, \n
    li a1, 1
    li a2, 0
    j test_fail
.Ln\@:
    .endm
    TEST_BEGIN
    TAKEN 1, beq, 5, 5
    NOT_TAKEN 2, beq, 5, 6
    TAKEN 3, bne, 5, 6
    NOT_TAKEN 4, bne, -1, -1
    TAKEN 5, blt, -1, 0
    NOT_TAKEN 6, blt, 0, -1
    NOT_TAKEN 7, blt, 3, 3
    TAKEN 8, bge, 3, 3
    TAKEN 9, bge, 0, -1
    NOT_TAKEN 10, bge, 0x8000000000000000, 0x7fffffffffffffff
    TAKEN 11, bltu, 0, -1
    NOT_TAKEN 12, bltu, -1, 0
    NOT_TAKEN 13, bltu, 7, 7
    TAKEN 14, bgeu, -1, 0
    TAKEN 15, bgeu, 7, 7
    NOT_TAKEN 16, bgeu, 0x7fffffffffffffff, 0x8000000000000000
    TAKEN 17, blt, 0x8000000000000000, 0x7fffffffffffffff
    # a backward branch loop runs the expected number of times
    li t0, 0
    li t1, 10
1:  addi t0, t0, 1
    blt t0, t1, 1b
    CHECK 18, t0, 10
    # jal links pc + 4
    jal t2, 2f
3:  j 4f
2:  la t3, 3b
    CHECKR 19, t2, t3
    jr t2
4:  # jalr: target = (rs1 + imm) & ~1, link = pc + 4, rd may equal rs1
    la t0, 5f
    addi t0, t0, -3                             # odd base; +4 imm gives an odd target
    jalr t1, 4(t0)
10: li a0, 20
    li a1, 0
    li a2, 0
    j test_fail
    .align 2
5:  la t3, 10b
    CHECKR 21, t1, t3
    la t0, 6f
    jalr t0, 0(t0)                              # rd == rs1: target uses the old value
7:  j 8f
6:  la t3, 7b
    CHECKR 22, t0, t3
    jr t0
8:  jal zero, 9f                                # j: no link
    li a0, 23
    j test_fail
9:  PASS
