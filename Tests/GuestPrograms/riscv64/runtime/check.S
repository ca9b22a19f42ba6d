# Check macros for the assembly test programs (included by each test). Each check has a
# number 1..254, reported as the exit code on failure. Macros clobber s10 and s11; a failing
# check jumps to test_fail(n, actual, expected), which prints and exits.

    # CHECK n, reg, value: reg must equal the 64-bit constant value.
    .macro CHECK n, reg, value
    li s11, \value
    beq \reg, s11, .Lok\@
    mv a1, \reg
    mv a2, s11
    li a0, \n
    j test_fail
.Lok\@:
    .endm

    # CHECKR n, reg, expectedreg: reg must equal expectedreg.
    .macro CHECKR n, reg, expected
    beq \reg, \expected, .Lok\@
    mv a1, \reg
    mv a2, \expected
    li a0, \n
    j test_fail
.Lok\@:
    .endm

    # CHECKF n, freg, bits: the 64 raw bits of freg.
    .macro CHECKF n, freg, bits
    fmv.x.d s10, \freg
    CHECK \n, s10, \bits
    .endm

    # CHECKFLAGS n, flags: fflags must equal flags (NV 16, DZ 8, OF 4, UF 2, NX 1); clears them.
    .macro CHECKFLAGS n, flags
    csrrw s10, fflags, zero
    CHECK \n, s10, \flags
    .endm

    # Test bodies start with TEST_BEGIN (defines test_main) and end with PASS.
    .macro TEST_BEGIN
    .text
    .globl test_main
    .align 2
test_main:
    .endm

    .macro PASS
    j test_pass
    .endm
