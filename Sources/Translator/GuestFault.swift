/// A synchronous guest exception found while executing translated code: a memory access the
/// SoftMMU refused, or a `raise` op emitted by the front end (illegal instruction, ecall, ...).
///
/// The exec loop hands it, with the precise PC of the faulting instruction, to the front end,
/// which turns it into the architecture's trap (for RISC-V: mcause, mepc, mtval, mtvec).
public enum GuestFault: Error, Equatable, Sendable {
    /// Instruction fetch from an address that is not RAM.
    case fetchAccess(address: UInt64)
    /// A load (or load-reserved) whose address must be aligned and is not.
    case loadMisaligned(address: UInt64)
    /// A load from an address that is neither RAM nor a device region.
    case loadAccess(address: UInt64)
    /// A store, store-conditional or atomic whose address must be aligned and is not.
    case storeMisaligned(address: UInt64)
    /// A store or atomic to an address that is neither RAM nor a device region.
    case storeAccess(address: UInt64)
    /// A front-end exception: `cause` is the architecture's code, `value` its trap value.
    case raised(cause: UInt32, value: UInt64)
}

/// What a front-end helper call asks the interpreter to do next.
public enum HelperResult: Equatable, Sendable {
    /// Continue with the next op of the block.
    case next
    /// Leave the block and continue at `pc` (the helper retired its instruction).
    case jump(UInt64)
    /// The instruction faults and does not retire.
    case fault(GuestFault)
    /// The instruction retired and the hart waits for an interrupt before resuming at `pc`.
    case waitForInterrupt(resume: UInt64)
}

/// Why `ExecutionEngine.run()` returned.
public enum RunExit: Equatable, Sendable {
    /// `requestExit()` was called (from any thread).
    case exitRequested
    /// The guest executed a wait-for-interrupt with no interrupt pending; call `run()` again
    /// once an interrupt line has been raised.
    case waitingForInterrupt
}
