# C extension: every RV64C form, written with explicit c. mnemonics so the assembler cannot
# choose a 32-bit encoding (unprivileged spec ch. 16). Links of c.jalr are pc + 2.
#include "check.S"
    .data
    .align 4
cbuf:   .dword 0x8877665544332211, 0xfedcba9876543210, 0, 0
fpv:    .dword 0x400921fb54442d18              # pi as a double
    TEST_BEGIN
    .option push
    .option rvc
    c.li a3, -32
    CHECK 1, a3, -32
    c.li a3, 31
    c.addi a3, -1
    CHECK 2, a3, 30
    c.lui a4, 0xfffe0                          # nzimm[17:12] = -32: sign-extends
    CHECK 3, a4, 0xfffffffffffe0000
    c.lui a4, 1
    CHECK 4, a4, 0x1000
    li a4, 0x7fffffff
    c.addiw a4, 1
    CHECK 5, a4, 0xffffffff80000000
    li a4, 0x123456789
    c.addiw a4, 0                              # sext.w
    CHECK 6, a4, 0x23456789
    mv s2, sp
    c.addi16sp sp, -64
    sub a5, s2, sp
    CHECK 7, a5, 64
    c.addi4spn a5, sp, 16
    sub a5, a5, sp
    CHECK 8, a5, 16
    c.addi16sp sp, 64
    CHECKR 9, sp, s2
    li a3, 0x8000000000000001
    c.slli a3, 63
    CHECK 10, a3, 0x8000000000000000
    c.srai a3, 62
    CHECK 11, a3, -2
    c.srli a3, 60
    CHECK 12, a3, 0xf
    c.andi a3, -6                              # 0xf & ~5
    CHECK 13, a3, 0xa
    c.mv a4, a3
    CHECK 14, a4, 0xa
    c.add a4, a3
    CHECK 15, a4, 0x14
    li a5, 0xff
    c.sub a5, a4
    CHECK 16, a5, 0xeb
    c.xor a5, a4
    CHECK 17, a5, 0xff
    li a4, 0x0f
    c.and a5, a4
    CHECK 18, a5, 0x0f
    li a5, 0x30
    c.or a5, a4
    CHECK 19, a5, 0x3f
    li a4, 0x7fffffff
    li a5, 1
    c.addw a4, a5
    CHECK 20, a4, 0xffffffff80000000
    li a4, 0x80000000
    c.subw a4, a5
    CHECK 21, a4, 0x7fffffff
    # loads and stores, register-based and sp-based
    la s1, cbuf
    c.lw a3, 4(s1)
    CHECK 22, a3, 0xffffffff88776655
    c.ld a3, 8(s1)
    CHECK 23, a3, 0xfedcba9876543210
    c.sw a3, 16(s1)
    c.sd a3, 24(s1)
    ld a4, 16(s1)
    CHECK 24, a4, 0x0000000076543210
    ld a4, 24(s1)
    CHECK 25, a4, 0xfedcba9876543210
    c.addi16sp sp, -32
    c.sdsp a3, 8(sp)
    c.swsp a3, 0(sp)
    c.ldsp a4, 8(sp)
    CHECK 26, a4, 0xfedcba9876543210
    c.lwsp a4, 0(sp)
    CHECK 27, a4, 0x76543210
    # floating point loads and stores
    la s1, fpv
    c.fld fa0, 0(s1)
    CHECKF 28, fa0, 0x400921fb54442d18
    c.fsdsp fa0, 16(sp)
    c.fldsp fa1, 16(sp)
    CHECKF 29, fa1, 0x400921fb54442d18
    la s1, cbuf
    c.fsd fa1, 16(s1)
    ld a4, 16(s1)
    CHECK 30, a4, 0x400921fb54442d18
    c.addi16sp sp, 32
    CHECKR 31, sp, s2
    # control transfer
    li a3, 0
    c.beqz a3, 1f
    li a0, 32
    j test_fail
1:  c.bnez a3, 2f
    li a3, 5
    c.bnez a3, 3f
2:  li a0, 33
    j test_fail
3:  c.j 4f
    li a0, 34
    j test_fail
4:  la a4, 5f
    c.jalr a4                                  # links to the next halfword
6:  c.j 7f
5:  la a5, 6b
    CHECKR 35, ra, a5
    c.jr ra
7:  la a4, 8f
    c.jr a4
    li a0, 36
    j test_fail
8:  c.nop
    # a 32-bit instruction at a 2-byte-aligned address
    c.nop
    li a3, 0x1234
    addi a3, a3, 1
    CHECK 37, a3, 0x1235
    .option pop
    PASS
