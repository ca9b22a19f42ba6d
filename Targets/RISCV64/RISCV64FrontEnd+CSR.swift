import Translator

/// The control and status registers of a machine-mode-only RV64IMAC hart (Zicsr, unprivileged
/// ISA §9; privileged ISA §2 and §3.1). Unknown CSRs and writes to read-only ones raise an
/// illegal-instruction exception, as the spec requires.
extension RISCV64FrontEnd {
    /// misa: MXL = 64, extensions A, C, D, F, I, M.
    static let misa: UInt64 = 2 << 62 | 1 << 0 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 8 | 1 << 12

    /// csrrw/csrrs/csrrc and their immediate forms; `op.imm` holds the instruction word.
    func accessCSR(_ op: IROp, cpu: CPUContext) -> HelperResult {
        let word = UInt32(truncatingIfNeeded: op.imm)
        let number = word >> 20
        let funct3 = (word >> 12) & 7
        let rs1Field = UInt64((word >> 15) & 31)
        let source = funct3 >= 5 ? rs1Field : cpu.state[Int(op.a)]
        let isWrite = funct3 & 3 == 1 || rs1Field != 0
        let illegal = HelperResult.fault(.raised(cause: Cause.illegalInstruction, value: UInt64(word)))
        guard let old = readCSR(number, cpu: cpu) else { return illegal }
        if isWrite {
            guard number >> 10 != 3 else { return illegal }
            let new: UInt64 = switch funct3 & 3 {
            case 1: source
            case 2: old | source
            default: old & ~source
            }
            writeCSR(number, new, cpu: cpu)
        }
        cpu.state[Int(op.d)] = old
        return .next
    }

    /// The translation mode implied by mstatus.
    static func modeFlags(status: UInt64) -> UInt64 {
        status & Status.fs != 0 ? ModeFlag.floatEnabled : 0
    }

    func readCSR(_ number: UInt32, cpu: CPUContext) -> UInt64? {
        let s = cpu.state
        let floatOn = s[RISCV64Slot.mstatus] & Status.fs != 0
        switch number {
        case 0x001: return floatOn ? s[RISCV64Slot.fflags] : nil
        case 0x002: return floatOn ? s[RISCV64Slot.frm] : nil
        case 0x003: return floatOn ? s[RISCV64Slot.frm] << 5 | s[RISCV64Slot.fflags] : nil
        case 0xC00, 0xB00: return cpu.retired &+ s[RISCV64Slot.cycleOffset]
        case 0xC01: return timeSource?()
        case 0xC02, 0xB02: return cpu.retired &+ s[RISCV64Slot.instretOffset]
        case 0xC03...0xC1F, 0xB03...0xB1F, 0x323...0x33F: return 0
        case 0x300:
            let status = s[RISCV64Slot.mstatus]
            return status & Status.fs == Status.fs ? status | Status.sd : status
        case 0x301: return Self.misa
        case 0x302: return s[RISCV64Slot.medeleg]
        case 0x303: return s[RISCV64Slot.mideleg]
        case 0x304: return s[RISCV64Slot.mie]
        case 0x305: return s[RISCV64Slot.mtvec]
        case 0x306: return s[RISCV64Slot.mcounteren]
        case 0x340: return s[RISCV64Slot.mscratch]
        case 0x341: return s[RISCV64Slot.mepc]
        case 0x342: return s[RISCV64Slot.mcause]
        case 0x343: return s[RISCV64Slot.mtval]
        case 0x344: return mip(cpu)
        case 0xF11, 0xF12, 0xF13, 0xF15: return 0
        case 0xF14: return s[RISCV64Slot.mhartid]
        default: return nil
        }
    }

    /// Writes a CSR known to exist and be writable; WARL fields keep their legal values.
    func writeCSR(_ number: UInt32, _ value: UInt64, cpu: CPUContext) {
        let s = cpu.state
        switch number {
        case 0x001:
            s[RISCV64Slot.fflags] = value & 0x1F
            s[RISCV64Slot.mstatus] |= Status.fs
        case 0x002:
            s[RISCV64Slot.frm] = value & 7
            s[RISCV64Slot.mstatus] |= Status.fs
        case 0x003:
            s[RISCV64Slot.fflags] = value & 0x1F
            s[RISCV64Slot.frm] = (value >> 5) & 7
            s[RISCV64Slot.mstatus] |= Status.fs
        case 0xB00: s[RISCV64Slot.cycleOffset] = value &- cpu.retired
        case 0xB02: s[RISCV64Slot.instretOffset] = value &- cpu.retired
        case 0x300:
            let writable = Status.mie | Status.mpie | Status.fs
            s[RISCV64Slot.mstatus] = (value & writable) | Status.machine << Status.mppShift
            cpu.modeFlags = Self.modeFlags(status: s[RISCV64Slot.mstatus])
            cpu.requestInterruptCheck()
        case 0x302: s[RISCV64Slot.medeleg] = value
        case 0x303: s[RISCV64Slot.mideleg] = value
        case 0x304:
            s[RISCV64Slot.mie] = value & 0xAAA
            cpu.requestInterruptCheck()
        case 0x305:
            // MODE 2 and 3 are reserved: such a write leaves mtvec unchanged (as QEMU does).
            if value & 3 < 2 { s[RISCV64Slot.mtvec] = value }
        case 0x306: s[RISCV64Slot.mcounteren] = value & 0xFFFF_FFFF
        case 0x340: s[RISCV64Slot.mscratch] = value
        case 0x341: s[RISCV64Slot.mepc] = value & ~1
        case 0x342: s[RISCV64Slot.mcause] = value
        case 0x343: s[RISCV64Slot.mtval] = value
        case 0x344:
            s[RISCV64Slot.mipSoftware] = value & 0x222
            cpu.requestInterruptCheck()
        default: break // read-only-zero counters and misa ignore writes (WARL)
        }
    }
}
