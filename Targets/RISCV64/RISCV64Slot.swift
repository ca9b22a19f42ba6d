/// Where the RISC-V hart's architectural state lives in the translator's flat state: one 64-bit
/// slot each, at fixed indices that IR operands name directly.
///
/// x0 is slot 0 and is never written (instructions whose destination is x0 write `discard`), so
/// reading it always gives 0 without a check in the interpreter.
public enum RISCV64Slot {
    /// Integer register `n` (0...31).
    public static func x(_ n: Int) -> Int { n }
    /// Floating-point register `n` (0...31), NaN-boxed when it holds a single.
    public static func f(_ n: Int) -> Int { 32 + n }
    public static let pc = 64
    /// Sink for results written to x0.
    static let discard = 65
    /// Block-local temporary (JALR with rd == rs1).
    static let temp = 66
    static let mstatus = 67
    static let mtvec = 68
    static let mepc = 69
    static let mcause = 70
    static let mtval = 71
    static let mscratch = 72
    static let mie = 73
    /// The software-writable bits of mip; interrupt lines are ORed in on read.
    static let mipSoftware = 74
    static let medeleg = 75
    static let mideleg = 76
    static let mcounteren = 77
    static let fflags = 78
    static let frm = 79
    /// The current privilege level (3 = machine).
    static let privilege = 80
    static let mhartid = 81
    /// mcycle and minstret are `retired + offset`, so writes store an offset.
    static let cycleOffset = 82
    static let instretOffset = 83
    // Supervisor CSRs (privileged ISA §4.1); sstatus, sie and sip are views of the M registers.
    static let stvec = 84
    static let sepc = 85
    static let scause = 86
    static let stval = 87
    static let sscratch = 88
    static let satp = 89
    static let scounteren = 90
    static let senvcfg = 91
    static let menvcfg = 92
    static let mcountinhibit = 93
    /// pmpcfg0 and pmpcfg2 (RV64 packs eight entries per register).
    static let pmpcfg0 = 94
    /// pmpaddr0 ... pmpaddr15.
    static let pmpaddr0 = 96
    static let pmpCount = 16
    static let count = 112
}
