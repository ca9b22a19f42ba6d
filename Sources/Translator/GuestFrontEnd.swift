/// A guest architecture's side of the translator, in the spirit of QEMU's `TranslatorOps`: it
/// decodes guest code into IR, runs the helpers its IR calls, and turns faults and interrupts
/// into the architecture's traps.
///
/// The core uses a front end only through generics (`ExecutionEngine<Guest>`), never as an
/// existential, and never per op: the interpreter's loop is target-independent and leaves to the
/// engine for `helper` ops, faults and block lookups.
public protocol GuestFrontEnd: AnyObject {
    /// How many 64-bit slots of flat state the front end lays out (at most 256).
    static var stateSlotCount: Int { get }
    /// The slot that holds the guest PC whenever the engine is not running.
    static var pcSlot: Int { get }
    /// A slot that always reads zero and that no op writes (RISC-V's x0), if the architecture
    /// has one: compiled code then uses the constant instead of a register loaded from the state.
    static var zeroSlot: Int? { get }

    /// Decodes guest instructions from `builder.startPC` and emits their IR until the block ends.
    /// It must end the block (a transfer, `exitToLoop` or `raise`), and it must stop before an
    /// instruction it cannot fetch (`fetch16` returns nil) unless that is the first one.
    func translate(_ builder: inout BlockBuilder)

    /// Runs the helper of a `helper` op whose guest instruction is at `pc`. `cpu.retired` counts
    /// the instructions before this one.
    func helper(_ op: IROp, pc: UInt64, cpu: CPUContext) -> HelperResult

    /// Enters the architecture's trap handler for `fault`, raised by the instruction at `pc`;
    /// returns the PC to continue at.
    func takeFault(_ fault: GuestFault, pc: UInt64, cpu: CPUContext) -> UInt64

    /// If an interrupt is pending and enabled, enters its handler and returns the PC to continue
    /// at (`pc` is the next instruction to run); nil otherwise.
    func takeInterrupt(pc: UInt64, cpu: CPUContext) -> UInt64?
}

extension GuestFrontEnd {
    public static var zeroSlot: Int? { nil }
}
