# Self-modifying code: store new instruction bytes over code that has already run, FENCE.I,
# and run it again; the new bytes must take effect (Zifencei). Also patch a 16-bit instruction.
#include "check.S"
    .text
    .align 2
# A patchable function: returns a0 = 1 until patched.
patchable:
    .option push
    .option norvc                             # a 4-byte slot to patch
    addi a0, zero, 1
    .option pop
    ret
    .align 2
patchable_c:
    c.li a0, 7
    ret
    TEST_BEGIN
    mv s3, ra
    call patchable
    CHECK 1, a0, 1
    la t0, patchable
    li t1, 0x02a00513                         # addi a0, zero, 42
    sw t1, 0(t0)
    fence.i
    call patchable
    CHECK 2, a0, 42
    # patch again in a loop: each iteration stores addi a0, zero, i and runs it
    li s4, 0
1:  addi s4, s4, 1
    la t0, patchable
    slli t1, s4, 20
    li t2, 0x00000513                         # addi a0, zero, imm
    or t1, t1, t2
    sw t1, 0(t0)
    fence.i
    call patchable
    CHECKR 3, a0, s4
    li t3, 20
    blt s4, t3, 1b
    # a 16-bit instruction: c.li a0, 7 (0x451d) becomes c.li a0, -3 (0x5575)
    call patchable_c
    CHECK 4, a0, 7
    la t0, patchable_c
    li t1, 0x5575
    sh t1, 0(t0)
    fence.i
    call patchable_c
    CHECK 5, a0, -3
    # code written into a data buffer and jumped to
    la t0, codebuf
    li t1, 0x00b50533                         # add a0, a0, a1
    sw t1, 0(t0)
    li t1, 0x00008067                         # ret (jalr zero, 0(ra))
    sw t1, 4(t0)
    fence.i
    li a0, 40
    li a1, 2
    jalr t0
    CHECK 6, a0, 42
    li t1, 0x40b50533                         # sub a0, a0, a1
    sw t1, 0(t0)
    fence.i
    li a0, 40
    li a1, 2
    jalr t0
    CHECK 7, a0, 38
    # modifying an instruction later in the same straight-line block
    la t0, 2f
    li t1, 0x06300513                         # addi a0, zero, 99
    sw t1, 0(t0)
    fence.i
    .option push
    .option norvc
2:  addi a0, zero, 1
    .option pop
    CHECK 8, a0, 99
    mv ra, s3
    PASS
    .data
    .align 4
codebuf: .space 64
