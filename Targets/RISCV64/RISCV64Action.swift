import Translator

/// What a decoded RISC-V instruction does, as the emitter needs it: most cases name the single
/// IR op the instruction becomes. The decode tables map encodings to these.
enum RISCV64Action: Sendable, Equatable {
    /// rd = rs1 OP rs2.
    case register(IROpcode)
    /// rd = rs1 OP sign-extended 12-bit immediate.
    case immediate(IROpcode)
    /// rd = rs1 OP shamt (6 bits).
    case shiftImmediate(IROpcode)
    /// rd = rs1 OP shamt (5 bits, W forms).
    case shiftImmediateW(IROpcode)
    /// rd = OP(rs1).
    case unary(IROpcode)
    /// rd = (rs1 << shift) + rs2, with rs1 zero-extended from 32 bits for the `.uw` forms.
    case shiftAdd(IROpcode, shift: UInt8)
    /// rd = zero-extended low 32 bits of rs1 << shamt (slli.uw).
    case shiftLeftUnsignedWord
    case lui, auipc, jal, jalr
    /// Compare rs1 with rs2 and branch by the B-immediate.
    case branch(IROpcode)
    /// rd = memory[rs1 + imm12].
    case load(IROpcode)
    /// memory[rs1 + S-immediate] = rs2.
    case store(IROpcode)
    /// lr.w / lr.d (rs2 must be 0), sc.w / sc.d, and AMOs.
    case loadReserved(IROpcode), storeConditional(IROpcode)
    case atomic(IROpcode, AtomicOperation)
    case fence, fenceI, ecall, ebreak, mret, sret, wfi, sfenceVMA
    /// A Zicsr instruction; funct3 tells the access (read-write/set/clear, register/immediate).
    case csr
    /// flw / fld: an integer-unit load into an FP register (flw NaN-boxes).
    case floatLoad(IROpcode)
    /// fsw / fsd: stores the low bits of an FP register.
    case floatStore(IROpcode)
    /// fmv.x.w / fmv.x.d: FP bits to an integer register (sign-extended from 32 bits for .w).
    case floatMoveToInteger(single: Bool)
    /// fmv.w.x / fmv.d.x: integer bits to an FP register (NaN-boxed for .w).
    case floatMoveFromInteger(single: Bool)
    /// Every other F/D instruction: a call to the floating-point helper, which decodes the word.
    case floatOperation
}
