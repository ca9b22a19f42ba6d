import Translator

/// Traps across M, S and U modes (privileged ISA 1.12 §3.1.6-3.1.9, §3.3, §4.1): synchronous
/// exceptions and interrupts with delegation through medeleg/mideleg, `mret`, `sret` and `wfi`.
extension RISCV64FrontEnd {
    /// mstatus fields (privileged ISA §3.1.6); sstatus is a view of the same register.
    enum Status {
        static let sie: UInt64 = 1 << 1
        static let mie: UInt64 = 1 << 3
        static let spie: UInt64 = 1 << 5
        static let mpie: UInt64 = 1 << 7
        static let spp: UInt64 = 1 << 8
        static let mppShift: UInt64 = 11
        static let mpp: UInt64 = 3 << 11
        static let fs: UInt64 = 3 << 13
        static let mprv: UInt64 = 1 << 17
        static let sum: UInt64 = 1 << 18
        static let mxr: UInt64 = 1 << 19
        static let tvm: UInt64 = 1 << 20
        static let tw: UInt64 = 1 << 21
        static let tsr: UInt64 = 1 << 22
        /// UXL = SXL = 2 (64-bit), read-only.
        static let xlen: UInt64 = 2 << 32 | 2 << 34
        static let sd: UInt64 = 1 << 63
        static let user: UInt64 = 0
        static let supervisor: UInt64 = 1
        static let machine: UInt64 = 3
    }

    /// mip as software sees it: the interrupt lines plus the software-writable bits.
    func mip(_ cpu: CPUContext) -> UInt64 {
        interruptLines.load(ordering: .acquiring) | cpu.state[RISCV64Slot.mipSoftware]
    }

    /// Asks the exec loop to look for an interrupt to take, when one is pending and enabled in
    /// mie: only then can a change of privilege, mstatus, mie, mip or mideleg make one
    /// takeable. A line that rises later asks by itself (`RISCV64Hart.setLevel`), so the usual
    /// interrupt enable (with nothing pending) costs no round trip through the exec loop.
    func requestInterruptCheckIfPending(_ cpu: CPUContext) {
        if mip(cpu) & cpu.state[RISCV64Slot.mie] != 0 { cpu.requestInterruptCheck() }
    }

    public func takeFault(_ fault: GuestFault, pc: UInt64, cpu: CPUContext) -> UInt64 {
        var (cause, value): (UInt32, UInt64) = switch fault {
        case .fetchAccess(let a): (Cause.instructionAccessFault, a)
        case .loadMisaligned(let a): (Cause.loadAddressMisaligned, a)
        case .loadAccess(let a): (Cause.loadAccessFault, a)
        case .storeMisaligned(let a): (Cause.storeAddressMisaligned, a)
        case .storeAccess(let a): (Cause.storeAccessFault, a)
        case let .raised(c, v): (c, v)
        }
        // ecall is emitted as "from U"; the cause names the privilege it was executed in.
        if cause == Cause.environmentCallFromU { cause += UInt32(cpu.state[RISCV64Slot.privilege]) }
        return enterTrap(cause: UInt64(cause), value: value, pc: pc, cpu: cpu)
    }

    /// Interrupt priority order (privileged ISA §3.1.9): MEI, MSI, MTI, SEI, SSI, STI.
    private static let priority: [UInt64] = [11, 3, 7, 9, 1, 5]

    public func takeInterrupt(pc: UInt64, cpu: CPUContext) -> UInt64? {
        let s = cpu.state
        let pending = mip(cpu) & s[RISCV64Slot.mie]
        guard pending != 0 else { return nil }
        let privilege = s[RISCV64Slot.privilege], status = s[RISCV64Slot.mstatus]
        let delegated = s[RISCV64Slot.mideleg]
        let machineEnabled = privilege < Status.machine || status & Status.mie != 0
        let supervisorEnabled = privilege < Status.supervisor || (privilege == Status.supervisor && status & Status.sie != 0)
        let takeable = (machineEnabled ? pending & ~delegated : 0) | (supervisorEnabled ? pending & delegated : 0)
        guard takeable != 0 else { return nil }
        // Interrupts for M (not delegated) come before those for S.
        for bit in Self.priority where takeable & ~delegated & (1 << bit) != 0 {
            return enterTrap(cause: 1 << 63 | bit, value: 0, pc: pc, cpu: cpu)
        }
        for bit in Self.priority where takeable & (1 << bit) != 0 {
            return enterTrap(cause: 1 << 63 | bit, value: 0, pc: pc, cpu: cpu)
        }
        return nil
    }

    /// Enters the trap handler in S-mode if the trap is delegated and the hart is not in M-mode,
    /// else in M-mode; returns the handler's address.
    func enterTrap(cause: UInt64, value: UInt64, pc: UInt64, cpu: CPUContext) -> UInt64 {
        let s = cpu.state
        let privilege = s[RISCV64Slot.privilege]
        let isInterrupt = cause >> 63 != 0
        let code = cause & 0x3F
        let delegation = isInterrupt ? s[RISCV64Slot.mideleg] : s[RISCV64Slot.medeleg]
        var status = s[RISCV64Slot.mstatus]
        let tvec: UInt64
        if privilege <= Status.supervisor, (delegation >> code) & 1 != 0 {
            s[RISCV64Slot.sepc] = pc & ~1
            s[RISCV64Slot.scause] = cause
            s[RISCV64Slot.stval] = value
            status = status & Status.sie != 0 ? status | Status.spie : status & ~Status.spie
            status &= ~(Status.sie | Status.spp)
            if privilege == Status.supervisor { status |= Status.spp }
            s[RISCV64Slot.privilege] = Status.supervisor
            tvec = s[RISCV64Slot.stvec]
        } else {
            s[RISCV64Slot.mepc] = pc & ~1
            s[RISCV64Slot.mcause] = cause
            s[RISCV64Slot.mtval] = value
            status = status & Status.mie != 0 ? status | Status.mpie : status & ~Status.mpie
            status &= ~(Status.mie | Status.mpp)
            status |= privilege << Status.mppShift
            s[RISCV64Slot.privilege] = Status.machine
            tvec = s[RISCV64Slot.mtvec]
        }
        s[RISCV64Slot.mstatus] = status
        cpu.clearReservation()
        updateMode(cpu)
        let base = tvec & ~3
        return tvec & 3 == 1 && isInterrupt ? base &+ 4 &* code : base
    }

    /// mret: back to mepc at the privilege in MPP, with MIE restored from MPIE; MPP becomes U
    /// and MPRV clears when leaving M-mode.
    func returnFromMachineTrap(cpu: CPUContext, word: UInt32) -> HelperResult {
        let s = cpu.state
        guard s[RISCV64Slot.privilege] == Status.machine else { return illegal(word) }
        var status = s[RISCV64Slot.mstatus]
        let target = (status & Status.mpp) >> Status.mppShift
        s[RISCV64Slot.privilege] = target
        status = status & Status.mpie != 0 ? status | Status.mie : status & ~Status.mie
        status |= Status.mpie
        status &= ~Status.mpp
        if target != Status.machine { status &= ~Status.mprv }
        s[RISCV64Slot.mstatus] = status
        cpu.clearReservation()
        updateMode(cpu)
        requestInterruptCheckIfPending(cpu)
        return .jump(s[RISCV64Slot.mepc])
    }

    /// sret: back to sepc at the privilege in SPP, with SIE restored from SPIE (illegal in
    /// U-mode, and in S-mode while mstatus.TSR is set).
    func returnFromSupervisorTrap(cpu: CPUContext, word: UInt32) -> HelperResult {
        let s = cpu.state
        let privilege = s[RISCV64Slot.privilege]
        var status = s[RISCV64Slot.mstatus]
        guard privilege == Status.machine || (privilege == Status.supervisor && status & Status.tsr == 0) else {
            return illegal(word)
        }
        s[RISCV64Slot.privilege] = status & Status.spp != 0 ? Status.supervisor : Status.user
        status = status & Status.spie != 0 ? status | Status.sie : status & ~Status.sie
        status |= Status.spie
        status &= ~(Status.spp | Status.mprv)
        s[RISCV64Slot.mstatus] = status
        cpu.clearReservation()
        updateMode(cpu)
        requestInterruptCheckIfPending(cpu)
        return .jump(s[RISCV64Slot.sepc])
    }

    /// wfi: returns at once when an interrupt is pending and enabled in mie (even with the
    /// global enables clear, §3.3.3); otherwise the hart waits. Illegal in U-mode, and in S-mode
    /// while mstatus.TW is set.
    func waitForInterrupt(pc: UInt64, length: UInt64, cpu: CPUContext, word: UInt32) -> HelperResult {
        let privilege = cpu.state[RISCV64Slot.privilege]
        if privilege == Status.user || (privilege == Status.supervisor && cpu.state[RISCV64Slot.mstatus] & Status.tw != 0) {
            return illegal(word)
        }
        if mip(cpu) & cpu.state[RISCV64Slot.mie] != 0 { return .next }
        return .waitForInterrupt(resume: pc &+ length)
    }

    func illegal(_ word: UInt32) -> HelperResult {
        .fault(.raised(cause: Cause.illegalInstruction, value: UInt64(word)))
    }

    public func helper(_ op: IROp, pc: UInt64, cpu: CPUContext) -> HelperResult {
        let word = UInt32(truncatingIfNeeded: op.imm >> 32)
        switch op.c {
        case Helper.csr: return accessCSR(op, cpu: cpu)
        case Helper.mret: return returnFromMachineTrap(cpu: cpu, word: word)
        case Helper.sret: return returnFromSupervisorTrap(cpu: cpu, word: word)
        case Helper.wfi: return waitForInterrupt(pc: pc, length: UInt64(op.imm & 0xFF), cpu: cpu, word: word)
        case Helper.sfenceVMA: return fenceVirtualMemory(op, cpu: cpu, word: word)
        case Helper.float: return floatOperation(op, cpu: cpu)
        default: preconditionFailure("unknown riscv64 helper \(op.c)")
        }
    }
}
