import Translator

/// Machine-mode traps (privileged ISA §3.1.6-3.1.9, §3.3.2): synchronous exceptions,
/// interrupts, `mret` and `wfi`.
extension RISCV64FrontEnd {
    enum Status {
        static let mie: UInt64 = 1 << 3
        static let mpie: UInt64 = 1 << 7
        static let mppShift: UInt64 = 11
        static let mpp: UInt64 = 3 << 11
        static let machine: UInt64 = 3
        static let fs: UInt64 = 3 << 13
        static let sd: UInt64 = 1 << 63
    }

    /// mip as software sees it: the interrupt lines plus the software-writable bits.
    func mip(_ cpu: CPUContext) -> UInt64 {
        interruptLines.load(ordering: .acquiring) | cpu.state[RISCV64Slot.mipSoftware]
    }

    public func takeFault(_ fault: GuestFault, pc: UInt64, cpu: CPUContext) -> UInt64 {
        let (cause, value): (UInt32, UInt64) = switch fault {
        case .fetchAccess(let a): (Cause.instructionAccessFault, a)
        case .loadMisaligned(let a): (Cause.loadAddressMisaligned, a)
        case .loadAccess(let a): (Cause.loadAccessFault, a)
        case .storeMisaligned(let a): (Cause.storeAddressMisaligned, a)
        case .storeAccess(let a): (Cause.storeAccessFault, a)
        case let .raised(c, v): (c, v)
        }
        return enterTrap(cause: UInt64(cause), value: value, pc: pc, cpu: cpu)
    }

    /// Interrupt priority order (privileged ISA §3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
    private static let priority: [UInt64] = [11, 3, 7, 9, 1, 5]

    public func takeInterrupt(pc: UInt64, cpu: CPUContext) -> UInt64? {
        let s = cpu.state
        let pending = mip(cpu) & s[RISCV64Slot.mie]
        guard pending != 0, s[RISCV64Slot.privilege] < Status.machine || s[RISCV64Slot.mstatus] & Status.mie != 0 else {
            return nil
        }
        for bit in Self.priority where pending & (1 << bit) != 0 {
            return enterTrap(cause: 1 << 63 | bit, value: 0, pc: pc, cpu: cpu)
        }
        return nil
    }

    /// Enters the M-mode trap handler; returns its address.
    func enterTrap(cause: UInt64, value: UInt64, pc: UInt64, cpu: CPUContext) -> UInt64 {
        let s = cpu.state
        s[RISCV64Slot.mepc] = pc & ~1
        s[RISCV64Slot.mcause] = cause
        s[RISCV64Slot.mtval] = value
        var status = s[RISCV64Slot.mstatus]
        status = status & Status.mie != 0 ? status | Status.mpie : status & ~Status.mpie
        status &= ~(Status.mie | Status.mpp)
        status |= s[RISCV64Slot.privilege] << Status.mppShift
        s[RISCV64Slot.mstatus] = status
        s[RISCV64Slot.privilege] = Status.machine
        cpu.clearReservation()
        let tvec = s[RISCV64Slot.mtvec]
        let base = tvec & ~3
        let isInterrupt = cause >> 63 != 0
        return tvec & 3 == 1 && isInterrupt ? base &+ 4 &* (cause & 0x3F) : base
    }

    /// mret: back to mepc at the privilege in MPP, with MIE restored from MPIE.
    func returnFromTrap(cpu: CPUContext) -> HelperResult {
        let s = cpu.state
        var status = s[RISCV64Slot.mstatus]
        s[RISCV64Slot.privilege] = (status & Status.mpp) >> Status.mppShift
        status = status & Status.mpie != 0 ? status | Status.mie : status & ~Status.mie
        status |= Status.mpie
        status = (status & ~Status.mpp) | Status.machine << Status.mppShift
        s[RISCV64Slot.mstatus] = status
        cpu.requestInterruptCheck()
        return .jump(s[RISCV64Slot.mepc])
    }

    /// wfi: returns at once when an interrupt is pending and enabled in mie (even with
    /// mstatus.MIE clear, §3.3.3); otherwise the hart waits.
    func waitForInterrupt(pc: UInt64, length: UInt64, cpu: CPUContext) -> HelperResult {
        if mip(cpu) & cpu.state[RISCV64Slot.mie] != 0 { return .next }
        return .waitForInterrupt(resume: pc &+ length)
    }

    public func helper(_ op: IROp, pc: UInt64, cpu: CPUContext) -> HelperResult {
        switch op.c {
        case Helper.csr: return accessCSR(op, cpu: cpu)
        case Helper.mret: return returnFromTrap(cpu: cpu)
        case Helper.wfi: return waitForInterrupt(pc: pc, length: UInt64(op.imm), cpu: cpu)
        case Helper.float: return floatOperation(op, cpu: cpu)
        default: preconditionFailure("unknown riscv64 helper \(op.c)")
        }
    }
}
