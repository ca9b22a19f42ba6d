# Sv39 and Sv48 translation (privileged ISA 1.12 §4.3-4.4): leaf permissions, hardware A/D
# updates, page faults with the faulting address in mtval/stval, SUM, MXR, U pages from
# U-mode, delegated page faults, SFENCE.VMA after a PTE change, and a canonical-address check.
#include "check.S"
#include "modes.S"
    .data
    .align 12
root:   .fill 512, 8, 0                        # Sv39 level 2 (also Sv48's level 2)
l1:     .fill 512, 8, 0
l0:     .fill 512, 8, 0
root48: .fill 512, 8, 0                        # Sv48 level 3
data_page: .dword 0x1122334455667788
    .fill 511, 8, 0
user_page: .dword 0x0123456789ABCDEF
    .fill 511, 8, 0

    # PTE reg, label, flags: reg = the PTE for the page at label with flags.
    .macro PTE reg, label, flags
    la \reg, \label
    srli \reg, \reg, 12
    slli \reg, \reg, 10
    ori \reg, \reg, \flags
    .endm

    .text
    TEST_BEGIN
    SETUP_HANDLERS
    # VA 0x8000_0000: a 1 GiB identity superpage (RWX, A, D); VA 0x4000_0000: 4 KiB pages.
    la t2, root
    PTE t0, l1, 0x1
    sd t0, 8(t2)
    li t0, (0x80000000 >> 12) << 10 | 0xCF
    sd t0, 16(t2)
    la t2, l1
    PTE t0, l0, 0x1
    sd t0, 0(t2)
    la t2, l0
    PTE t0, data_page, 0x07                    # 0x4000_0000: R W, A = D = 0
    sd t0, 0(t2)
    PTE t0, data_page, 0x43                    # 0x4000_1000: R, A
    sd t0, 8(t2)
    PTE t0, user_page, 0xD7                    # 0x4000_2000: U R W, A D
    sd t0, 16(t2)
    PTE t0, data_page, 0x49                    # 0x4000_3000: X only, A
    sd t0, 24(t2)
    la t0, root
    srli t0, t0, 12
    li t1, 8 << 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma

    # a load through a fresh PTE sets A, a store then sets D
    ENTER 1, s_load, 1f
s_load:
    li t2, 0x40000000
    ld a0, 0(t2)
    ecall
1:  CHECK 1, a0, 0x1122334455667788
    la t2, l0
    ld t3, 0(t2)
    andi t3, t3, 0xC0
    CHECK 2, t3, 0x40                          # A set, D still clear
    ENTER 1, s_store, 1f
s_store:
    li t2, 0x40000000
    li a0, 0x5566
    sd a0, 8(t2)
    ecall
1:  la t2, l0
    ld t3, 0(t2)
    andi t3, t3, 0xC0
    CHECK 3, t3, 0xC0
    la t2, data_page
    ld t3, 8(t2)
    CHECK 4, t3, 0x5566

    # page faults: invalid PTE (load), read-only page (store), no X (fetch)
    ENTER 1, s_invalid, 1f
s_invalid:
    li t2, 0x40004000
    ld a0, 16(t2)
1:  MTRAP 5, 13, 0x40004010
    ENTER 1, s_readonly, 1f
s_readonly:
    li t2, 0x40001000
    sd zero, 8(t2)
1:  MTRAP 7, 15, 0x40001008
    ENTER 1, s_noexec, 1f
s_noexec:
    li t2, 0x40000000
    jr t2
1:  MTRAP 9, 12, 0x40000000

    # S-mode reads a U page only with SUM
    ENTER 1, s_nosum, 1f
s_nosum:
    li t2, 0x40002000
    ld a0, 0(t2)
1:  MTRAP 11, 13, 0x40002000
    li t0, 1 << 18
    csrs mstatus, t0
    ENTER 1, s_sum, 1f
s_sum:
    li t2, 0x40002000
    ld a0, 0(t2)
    ecall
1:  CHECK 13, a0, 0x0123456789ABCDEF
    li t0, 1 << 18
    csrc mstatus, t0

    # an execute-only page is readable only with MXR
    ENTER 1, s_nomxr, 1f
s_nomxr:
    li t2, 0x40003000
    ld a0, 0(t2)
1:  MTRAP 14, 13, 0x40003000
    li t0, 1 << 19
    csrs mstatus, t0
    ENTER 1, s_mxr, 1f
s_mxr:
    li t2, 0x40003000
    ld a0, 0(t2)
    ecall
1:  CHECK 16, a0, 0x1122334455667788
    li t0, 1 << 19
    csrc mstatus, t0

    # U-mode: its own page works, a supervisor page faults (U code runs from a U mapping)
    la t2, root
    li t0, (0x80000000 >> 12) << 10 | 0xDF     # identity superpage, now with U
    sd t0, 16(t2)
    sfence.vma
    ENTER 0, u_access, 1f
u_access:
    li t2, 0x40002000
    ld a0, 0(t2)
    li t2, 0x40000000
    ld a1, 0(t2)
1:  CHECK 17, a0, 0x0123456789ABCDEF
    MTRAP 18, 13, 0x40000000
    la t2, root
    li t0, (0x80000000 >> 12) << 10 | 0xCF
    sd t0, 16(t2)
    sfence.vma

    # delegated load page fault: scause 13, stval the address
    li t0, 1 << 13
    csrw medeleg, t0
    ENTER 1, s_delegated, 1f
s_delegated:
    li t2, 0x40005000
    lw a0, 4(t2)
1:  STRAP 20, 13, 0x40005004
    csrw medeleg, zero

    # SFENCE.VMA makes a changed PTE visible
    ENTER 1, s_sfence, 1f
s_sfence:
    li t2, 0x40001000
    ld a0, 0(t2)                               # cached: data_page
    la t3, l0
    PTE t4, user_page, 0x43
    sd t4, 8(t3)
    sfence.vma t2
    ld a1, 0(t2)                               # now user_page
    ecall
1:  CHECK 22, a0, 0x1122334455667788
    CHECK 23, a1, 0x0123456789ABCDEF

    # Sv39: addresses must be sign-extended from bit 38
    ENTER 1, s_noncanonical, 1f
s_noncanonical:
    li t2, 0x0000008000000000
    ld a0, 0(t2)
1:  MTRAP 24, 13, 0x0000008000000000

    # Sv48: a fourth level above the same tables
    la t2, root48
    PTE t0, root, 0x1
    sd t0, 0(t2)
    la t0, root48
    srli t0, t0, 12
    li t1, 9 << 60
    or t0, t0, t1
    csrw satp, t0
    csrr t1, satp
    srli t1, t1, 60
    CHECK 26, t1, 9
    sfence.vma
    ENTER 1, s_sv48, 1f
s_sv48:
    li t2, 0x40002000
    li t3, 1 << 18
    csrs sstatus, t3
    ld a0, 0(t2)
    li t2, 0x0000008000000000                  # canonical in Sv48, but unmapped
    ld a1, 0(t2)
1:  CHECK 27, a0, 0x0123456789ABCDEF
    MTRAP 28, 13, 0x0000008000000000
    csrw satp, zero
    PASS
