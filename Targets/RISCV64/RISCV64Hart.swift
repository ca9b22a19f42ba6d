import Machine
import Translator

/// One RV64IMAFDC hart with M, S and U modes and Sv39/Sv48 paging, ready for a board to drive: construct it over the board's
/// RAM and MMIO bus, set pc and registers, call `run()` on the hart's thread, raise interrupt
/// lines from any thread (it is the hart's `InterruptController`, `line` = mip bit), and stop it
/// from any thread with `requestExit()`.
///
/// Guest-physical addresses inside `GuestMemory` are RAM (inline fast path); any other address
/// goes to the `Bus` region holding it, and an address in neither raises an access fault.
///
/// ```swift
/// let hart = RISCV64Hart(memory: ram, bus: mmio, hartID: 0)
/// hart.pc = 0x8000_0000
/// hart[x: 10] = 0            // a0 = hartid
/// hart[x: 11] = dtbAddress   // a1 = DTB
/// hart.timeSource = { clint.mtime }
/// clint.timerLine = InterruptLine(controller: hart, line: RISCV64Hart.Line.machineTimer)
/// while true {
///     switch hart.run() {
///     case .exitRequested: return            // hart.requestExit() from any thread
///     case .waitingForInterrupt: sleepUntil { hart.hasPendingInterrupt }
///     }
/// }
/// ```
public final class RISCV64Hart: InterruptController, @unchecked Sendable {
    /// Interrupt lines (mip bit numbers, privileged ISA §3.1.9).
    public enum Line {
        public static let machineSoftware = 3
        public static let machineTimer = 7
        public static let machineExternal = 11
        public static let supervisorSoftware = 1
        public static let supervisorTimer = 5
        public static let supervisorExternal = 9
    }

    public let engine: ExecutionEngine<RISCV64FrontEnd>
    private var frontEnd: RISCV64FrontEnd { engine.guest }

    /// A hart at reset: machine mode, paging off, all registers 0, pc 0, mhartid `hartID`.
    public init(memory: GuestMemory, bus: Bus, hartID: UInt64 = 0) {
        engine = ExecutionEngine(guest: RISCV64FrontEnd(), memory: memory, bus: bus)
        reset(hartID: hartID)
    }

    /// A hart at reset whose engine uses the tiers `jit` selects (issue #8); fails only if
    /// LLVM cannot start.
    public init(memory: GuestMemory, bus: Bus, hartID: UInt64 = 0, jit: JITConfiguration) throws(JITError) {
        engine = try ExecutionEngine(guest: RISCV64FrontEnd(), memory: memory, bus: bus, jit: jit)
        reset(hartID: hartID)
    }

    private func reset(hartID: UInt64) {
        let s = engine.cpu.state
        s[RISCV64Slot.privilege] = RISCV64FrontEnd.Status.machine
        s[RISCV64Slot.mstatus] = RISCV64FrontEnd.Status.machine << RISCV64FrontEnd.Status.mppShift
        s[RISCV64Slot.mhartid] = hartID
        engine.cpu.addressTranslator = engine.guest
        engine.guest.updateMode(engine.cpu)
    }

    /// The program counter (read or set while `run()` is not executing).
    public var pc: UInt64 {
        get { engine.pc }
        set { engine.pc = newValue }
    }

    /// Integer register x`index` (0...31); writes to x0 are ignored.
    public subscript(x index: Int) -> UInt64 {
        get {
            precondition((0..<32).contains(index), "x\(index) is not an integer register")
            return engine.cpu.state[index]
        }
        set {
            precondition((0..<32).contains(index), "x\(index) is not an integer register")
            if index != 0 { engine.cpu.state[index] = newValue }
        }
    }

    /// Floating-point register f`index` (0...31), raw bits (singles are NaN-boxed).
    public subscript(f index: Int) -> UInt64 {
        get {
            precondition((0..<32).contains(index), "f\(index) is not a floating-point register")
            return engine.cpu.state[RISCV64Slot.f(index)]
        }
        set {
            precondition((0..<32).contains(index), "f\(index) is not a floating-point register")
            engine.cpu.state[RISCV64Slot.f(index)] = newValue
        }
    }

    /// The value of CSR `number` as a CSR instruction would read it, or nil if it does not exist.
    public func csr(_ number: UInt32) -> UInt64? { frontEnd.readCSR(number, cpu: engine.cpu) }

    /// Instructions retired since reset (minstret without guest writes).
    public var retiredInstructions: UInt64 { engine.cpu.retired }

    /// The platform timer behind the `time` CSR (rdtime), e.g. the CLINT's mtime. Without one,
    /// reading `time` raises an illegal-instruction exception. Set before `run()`.
    public var timeSource: (@Sendable () -> UInt64)? {
        get { frontEnd.timeSource }
        set { frontEnd.timeSource = newValue }
    }

    /// Runs guest code on the calling thread until `requestExit()` or a `wfi` with nothing
    /// pending (`.waitingForInterrupt`: call `run()` again after raising a line).
    public func run() -> RunExit { engine.run() }

    /// Makes `run()` return at the next block boundary; callable from any thread.
    public func requestExit() { engine.requestExit() }

    /// Drops translated code in `[address, address + length)` of guest RAM before the hart's
    /// next block; callable from any thread. Call it after a device writes guest RAM by DMA
    /// (the hart's own stores invalidate code by themselves).
    public func invalidateTranslations(at address: UInt64, length: UInt64) {
        engine.cpu.invalidateCode(at: address, length: length)
    }

    /// Whether an interrupt is pending and enabled in mie: the wake-up condition for `wfi`.
    public var hasPendingInterrupt: Bool {
        frontEnd.mip(engine.cpu) & engine.cpu.state[RISCV64Slot.mie] != 0
    }

    /// Called (on the raising thread) after an interrupt line goes high, so a board whose hart
    /// sleeps after `.waitingForInterrupt` can wake it. Set before the hart runs.
    public var interruptRaised: (@Sendable () -> Void)?

    /// Sets or clears mip bit `line`; callable from any thread. The hart notices at its next
    /// block boundary and traps if the interrupt is enabled.
    public func setLevel(line: Int, high: Bool) {
        guard (0..<64).contains(line) else { return }
        let bit: UInt64 = 1 << UInt64(line)
        if high {
            frontEnd.interruptLines.bitwiseOr(bit, ordering: .acquiringAndReleasing)
        } else {
            frontEnd.interruptLines.bitwiseAnd(~bit, ordering: .acquiringAndReleasing)
        }
        engine.cpu.requestInterruptCheck()
        if high { interruptRaised?() }
    }
}
