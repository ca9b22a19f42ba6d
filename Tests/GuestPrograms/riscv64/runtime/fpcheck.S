# Floating-point check macros (included after check.S). Operands are raw bit patterns moved
# in with `mv` (fmv.w.x boxes singles, fmv.d.x for doubles); results are compared as all 64
# register bits, so single results are also checked for NaN boxing. Check n (1..127) tests
# the result and n + 128 the accrued fflags, which each macro clears first.

    # FOP2 n, mv, op, a, b, rm, result, flags: op fa2, fa0, fa1[, rm]
    .macro FOP2 n, mv, op, a, b, rm, result, flags
    csrw fflags, zero
    li t0, \a
    \mv fa0, t0
    li t0, \b
    \mv fa1, t0
    .ifc \rm,none
    \op fa2, fa0, fa1
    .else
    \op fa2, fa0, fa1, \rm
    .endif
    CHECKFLAGS (\n + 128), \flags
    CHECKF \n, fa2, \result
    .endm

    # FOP1 n, mv, op, a, rm, result, flags: op fa2, fa0[, rm]
    .macro FOP1 n, mv, op, a, rm, result, flags
    csrw fflags, zero
    li t0, \a
    \mv fa0, t0
    .ifc \rm,none
    \op fa2, fa0
    .else
    \op fa2, fa0, \rm
    .endif
    CHECKFLAGS (\n + 128), \flags
    CHECKF \n, fa2, \result
    .endm

    # FOP3 n, mv, op, a, b, c, rm, result, flags: op fa3, fa0, fa1, fa2, rm (fused multiply-add)
    .macro FOP3 n, mv, op, a, b, c, rm, result, flags
    csrw fflags, zero
    li t0, \a
    \mv fa0, t0
    li t0, \b
    \mv fa1, t0
    li t0, \c
    \mv fa2, t0
    \op fa3, fa0, fa1, fa2, \rm
    CHECKFLAGS (\n + 128), \flags
    CHECKF \n, fa3, \result
    .endm

    # TOINT n, mv, op, a, rm, result, flags: op t2, fa0[, rm] (conversions to integers, fclass)
    .macro TOINT n, mv, op, a, rm, result, flags
    csrw fflags, zero
    li t0, \a
    \mv fa0, t0
    .ifc \rm,none
    \op t2, fa0
    .else
    \op t2, fa0, \rm
    .endif
    CHECKFLAGS (\n + 128), \flags
    CHECK \n, t2, \result
    .endm

    # FROMINT n, op, value, rm, result, flags: op fa2, t0[, rm] (conversions from integers)
    .macro FROMINT n, op, value, rm, result, flags
    csrw fflags, zero
    li t0, \value
    .ifc \rm,none
    \op fa2, t0
    .else
    \op fa2, t0, \rm
    .endif
    CHECKFLAGS (\n + 128), \flags
    CHECKF \n, fa2, \result
    .endm

    # FCMP n, mv, op, a, b, result, flags: op t2, fa0, fa1 (feq/flt/fle)
    .macro FCMP n, mv, op, a, b, result, flags
    csrw fflags, zero
    li t0, \a
    \mv fa0, t0
    li t0, \b
    \mv fa1, t0
    \op t2, fa0, fa1
    CHECKFLAGS (\n + 128), \flags
    CHECK \n, t2, \result
    .endm
