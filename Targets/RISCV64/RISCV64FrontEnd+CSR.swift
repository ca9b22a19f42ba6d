import Translator

/// The control and status registers of an RV64 hart with M, S and U modes (Zicsr, unprivileged
/// ISA §9; privileged ISA 1.12 §2, §3.1, §3.7 (PMP storage), §4.1). A CSR the current privilege
/// may not reach, an unknown one, a write to a read-only one, or a counter hidden by
/// mcounteren/scounteren raises an illegal-instruction exception.
extension RISCV64FrontEnd {
    /// misa: MXL = 64, extensions A, C, D, F, I, M, S, U.
    static let misa: UInt64 = 2 << 62 | 1 << 0 | 1 << 2 | 1 << 3 | 1 << 5 | 1 << 8 | 1 << 12 | 1 << 18 | 1 << 20

    /// The mstatus bits software can write through mstatus, and the subset sstatus shows and writes.
    static let mstatusWritable: UInt64 = Status.sie | Status.mie | Status.spie | Status.mpie | Status.spp | Status.mpp
        | Status.fs | Status.mprv | Status.sum | Status.mxr | Status.tvm | Status.tw | Status.tsr
    static let sstatusVisible: UInt64 = Status.sie | Status.spie | Status.spp | Status.fs | Status.sum | Status.mxr
        | 3 << 32 | Status.sd
    static let sstatusWritable: UInt64 = Status.sie | Status.spie | Status.spp | Status.fs | Status.sum | Status.mxr
    /// Supervisor interrupts (SSI, STI, SEI): what mideleg can delegate and M-mode can set in mip.
    static let supervisorInterrupts: UInt64 = 0x222
    /// Exceptions medeleg can delegate: all but ecall from M (11) and the reserved codes.
    static let delegableExceptions: UInt64 = 0xB3FF

    /// csrrw/csrrs/csrrc and their immediate forms; `op.imm` holds the instruction word.
    func accessCSR(_ op: IROp, cpu: CPUContext) -> HelperResult {
        let word = UInt32(truncatingIfNeeded: op.imm)
        let number = word >> 20
        let funct3 = (word >> 12) & 7
        let rs1Field = UInt64((word >> 15) & 31)
        let source = funct3 >= 5 ? rs1Field : cpu.state[Int(op.a)]
        let isWrite = funct3 & 3 == 1 || rs1Field != 0
        guard UInt64((number >> 8) & 3) <= cpu.state[RISCV64Slot.privilege], permitsAccess(number, cpu: cpu),
              let old = readCSR(number, cpu: cpu) else { return illegal(word) }
        if isWrite {
            guard number >> 10 != 3 else { return illegal(word) }
            // In mip the interrupt lines are ORed into the value read but take no part in a
            // read-modify-write (privileged ISA §3.1.9): csrrc mip, STIP must not latch a
            // momentarily high SEIP line into the software-writable bits.
            let base = number == 0x344 ? cpu.state[RISCV64Slot.mipSoftware] : old
            let new: UInt64 = switch funct3 & 3 {
            case 1: source
            case 2: base | source
            default: base & ~source
            }
            writeCSR(number, new, cpu: cpu)
        }
        cpu.state[Int(op.d)] = old
        return .next
    }

    /// The access rules beyond the privilege encoded in the number: counter enables below
    /// M-mode, and satp under mstatus.TVM.
    private func permitsAccess(_ number: UInt32, cpu: CPUContext) -> Bool {
        let s = cpu.state
        let privilege = s[RISCV64Slot.privilege]
        guard privilege != Status.machine else { return true }
        if (0xC00...0xC1F).contains(number) {
            let bit: UInt64 = 1 << UInt64(number & 31)
            if s[RISCV64Slot.mcounteren] & bit == 0 { return false }
            if privilege == Status.user && s[RISCV64Slot.scounteren] & bit == 0 { return false }
        }
        if number == 0x180 && s[RISCV64Slot.mstatus] & Status.tvm != 0 { return false }
        return true
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
        case 0x100: return mstatusValue(cpu) & Self.sstatusVisible
        case 0x104: return s[RISCV64Slot.mie] & s[RISCV64Slot.mideleg]
        case 0x105: return s[RISCV64Slot.stvec]
        case 0x106: return s[RISCV64Slot.scounteren]
        case 0x10A: return s[RISCV64Slot.senvcfg]
        case 0x140: return s[RISCV64Slot.sscratch]
        case 0x141: return s[RISCV64Slot.sepc]
        case 0x142: return s[RISCV64Slot.scause]
        case 0x143: return s[RISCV64Slot.stval]
        case 0x144: return mip(cpu) & s[RISCV64Slot.mideleg]
        case 0x180: return s[RISCV64Slot.satp]
        case 0x300: return mstatusValue(cpu)
        case 0x301: return Self.misa
        case 0x302: return s[RISCV64Slot.medeleg]
        case 0x303: return s[RISCV64Slot.mideleg]
        case 0x304: return s[RISCV64Slot.mie]
        case 0x305: return s[RISCV64Slot.mtvec]
        case 0x306: return s[RISCV64Slot.mcounteren]
        case 0x30A: return s[RISCV64Slot.menvcfg]
        case 0x320: return s[RISCV64Slot.mcountinhibit]
        case 0x340: return s[RISCV64Slot.mscratch]
        case 0x341: return s[RISCV64Slot.mepc]
        case 0x342: return s[RISCV64Slot.mcause]
        case 0x343: return s[RISCV64Slot.mtval]
        case 0x344: return mip(cpu)
        case 0x3A0, 0x3A2: return s[RISCV64Slot.pmpcfg0 + Int(number - 0x3A0) / 2]
        case 0x3B0...0x3BF: return s[RISCV64Slot.pmpaddr0 + Int(number - 0x3B0)]
        case 0xF11, 0xF12, 0xF13, 0xF15: return 0
        case 0xF14: return s[RISCV64Slot.mhartid]
        default: return nil
        }
    }

    private func mstatusValue(_ cpu: CPUContext) -> UInt64 {
        let status = cpu.state[RISCV64Slot.mstatus] | Status.xlen
        return status & Status.fs == Status.fs ? status | Status.sd : status
    }

    /// Writes a CSR known to exist and be writable; WARL fields keep their legal values.
    // swiftlint:disable:next cyclomatic_complexity function_body_length
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
        case 0x100:
            writeStatus((s[RISCV64Slot.mstatus] & ~Self.sstatusWritable) | (value & Self.sstatusWritable), cpu: cpu)
        case 0x104:
            let delegated = s[RISCV64Slot.mideleg]
            s[RISCV64Slot.mie] = (s[RISCV64Slot.mie] & ~delegated) | (value & delegated)
            requestInterruptCheckIfPending(cpu)
        case 0x105: if value & 3 < 2 { s[RISCV64Slot.stvec] = value }
        case 0x106: s[RISCV64Slot.scounteren] = value & 0xFFFF_FFFF
        case 0x10A: s[RISCV64Slot.senvcfg] = value & 1
        case 0x140: s[RISCV64Slot.sscratch] = value
        case 0x141: s[RISCV64Slot.sepc] = value & ~1
        case 0x142: s[RISCV64Slot.scause] = value
        case 0x143: s[RISCV64Slot.stval] = value
        case 0x144:
            // Only SSIP is writable through sip, and only when delegated.
            let writable = s[RISCV64Slot.mideleg] & 0x2
            s[RISCV64Slot.mipSoftware] = (s[RISCV64Slot.mipSoftware] & ~writable) | (value & writable)
            requestInterruptCheckIfPending(cpu)
        case 0x180: writeSATP(value, cpu: cpu)
        case 0x300: writeStatus(value, cpu: cpu)
        case 0x302: s[RISCV64Slot.medeleg] = value & Self.delegableExceptions
        case 0x303:
            s[RISCV64Slot.mideleg] = value & Self.supervisorInterrupts
            requestInterruptCheckIfPending(cpu)
        case 0x304:
            s[RISCV64Slot.mie] = value & 0xAAA
            requestInterruptCheckIfPending(cpu)
        case 0x305:
            // MODE 2 and 3 are reserved: such a write leaves mtvec unchanged (as QEMU does).
            if value & 3 < 2 { s[RISCV64Slot.mtvec] = value }
        case 0x306: s[RISCV64Slot.mcounteren] = value & 0xFFFF_FFFF
        case 0x30A: s[RISCV64Slot.menvcfg] = value & 1
        case 0x320: s[RISCV64Slot.mcountinhibit] = value & 0xFFFF_FFFD
        case 0x340: s[RISCV64Slot.mscratch] = value
        case 0x341: s[RISCV64Slot.mepc] = value & ~1
        case 0x342: s[RISCV64Slot.mcause] = value
        case 0x343: s[RISCV64Slot.mtval] = value
        case 0x344:
            s[RISCV64Slot.mipSoftware] = value & Self.supervisorInterrupts
            requestInterruptCheckIfPending(cpu)
        case 0x3A0, 0x3A2:
            // Reserved bits 5-6 of each entry read as zero (no PMP checks are made).
            s[RISCV64Slot.pmpcfg0 + Int(number - 0x3A0) / 2] = value & 0x9F9F_9F9F_9F9F_9F9F
        case 0x3B0...0x3BF: s[RISCV64Slot.pmpaddr0 + Int(number - 0x3B0)] = value & ((1 << 54) - 1)
        default: break // read-only-zero counters and misa ignore writes (WARL)
        }
    }

    /// mstatus write: MPP's reserved value 2 becomes U; the mode and MMU contexts follow.
    private func writeStatus(_ value: UInt64, cpu: CPUContext) {
        let s = cpu.state
        var status = value & Self.mstatusWritable
        if (status & Status.mpp) >> Status.mppShift == 2 { status &= ~Status.mpp }
        let old = s[RISCV64Slot.mstatus]
        s[RISCV64Slot.mstatus] = status
        // MXR changes what loads may read through every translated mapping.
        if (old ^ status) & Status.mxr != 0 { cpu.flushTLB(contexts: Self.translatedContexts) }
        updateMode(cpu)
        requestInterruptCheckIfPending(cpu)
    }

    /// satp write: modes other than Bare, Sv39 and Sv48 leave satp unchanged (WARL); ASIDs
    /// are not implemented (the field reads as zero), so every write flushes the translations.
    private func writeSATP(_ value: UInt64, cpu: CPUContext) {
        let mode = value >> 60
        guard mode == SATP.bare || mode == SATP.sv39 || mode == SATP.sv48 else { return }
        cpu.state[RISCV64Slot.satp] = mode << 60 | (value & SATP.ppnMask)
        cpu.flushTLB(contexts: Self.translatedContexts)
        updateMode(cpu)
    }
}
