/// The block of 64-bit words compiled code shares with the exec loop, as fixed word offsets
/// (so the layout is defined by these constants, not by a Swift struct), and the codes a
/// compiled region returns with.
///
/// The exec loop fills `tlb`, `cpu` and the store window before each call; compiled code fills the exit words
/// before it returns. `scratch` carries a slow-path load's value back from its thunk.
enum JITFrame {
    /// The current data TLB (`UnsafeMutablePointer<TLBEntry>`).
    static let tlb = 0
    /// The `CPUContext`, unretained, for the slow-path thunks.
    static let cpu = 1
    /// Guest instructions retired by the regions run since the exec loop's call (each adds its
    /// own; the loop zeroes it before the call).
    static let retired = 2
    /// The PC to continue at, the faulting instruction's PC, or (helper exits) the block's PC.
    static let exitPC = 3
    /// Helper exits: the op index of the helper op. Raise exits: the cause. Jump exits: the
    /// exit's chain slot plus one (0: none).
    static let aux = 4
    /// Raise exits: the trap value.
    static let aux2 = 5
    /// A slow-path load's value.
    static let scratch = 6
    /// Region-to-region calls left before compiled code returns to the exec loop (which sees
    /// exit requests only there); the loop sets it to `chainBudget` before each call.
    static let budget = 7
    /// Instructions one region call may retire before its in-region loops leave (the loop sets
    /// it to `loopInstructions` before each call; a slow path that asks to leave zeroes it,
    /// `JITThunks`).
    static let loopLimit = 8
    /// The addresses direct RAM stores may write, `storeLow ..< storeLow + storeSpan`: RAM
    /// from `CPUContext.codeLimit` up, less its last 7 bytes, so no store there touches
    /// translated code or leaves RAM (`RegionLowering+DirectRAM`). `JITTier.noteCodeLimit`
    /// keeps them; no code is translated while compiled code runs.
    static let storeLow = 9
    static let storeSpan = 10
    static let wordCount = 11
    static let chainBudget: UInt64 = 64
    static let loopInstructions: UInt64 = 4096

    /// Why compiled code returned.
    enum Exit: UInt64 {
        /// A direct transfer out of the region (or the loop budget ran out) to `exitPC`.
        case jump = 0
        /// An indirect transfer, `exitToLoop` or an invalidated block: continue at `exitPC`.
        case indirect = 1
        /// A memory access faulted (the fault is the CPU's `slowFault`) at `exitPC`.
        case memoryFault = 2
        /// A `raise` op at `exitPC` with cause `aux` and trap value `aux2`.
        case raise = 3
        /// The helper op at index `aux` of the block at `exitPC` must run.
        case helper = 4
    }
}

/// The signature of a compiled region: the flat guest state and the frame; returns a
/// `JITFrame.Exit` raw value.
typealias CompiledRegionFunction = @convention(c) (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<UInt64>) -> UInt64

/// The C-callable slow paths compiled code calls on a TLB miss and for atomics. Each takes the
/// `CPUContext` as an unretained opaque pointer and the frame. Status results: 0 the access
/// faulted (the fault is in `slowFault`), 1 done. When translated code was invalidated or the
/// access (a device) requested an exit, the thunk also zeroes the frame's `loopLimit` and chain
/// `budget`, so the region leaves at its next transfer without chaining: the exec loop then
/// drops stale code (as the interpreter finishes its current block and then meets the
/// invalidated op) or handles the exit request (as the interpreter does at its next chained
/// jump). Doing that here, not in the emitted slow path, keeps every memory op's cold code to a
/// call and a fault test.
enum JITThunks {
    typealias Load = @convention(c) (UnsafeMutableRawPointer, UInt64, UInt64, UnsafeMutablePointer<UInt64>) -> UInt64
    typealias Store = @convention(c) (UnsafeMutableRawPointer, UInt64, UInt64, UInt64, UnsafeMutablePointer<UInt64>) -> UInt64
    typealias Atomic = @convention(c) (UnsafeMutableRawPointer, UInt64, UInt64, UInt64, UnsafeMutablePointer<UInt64>) -> UInt64

    /// The loaded value goes to the frame's `scratch`.
    static let load: Load = { opaque, address, size, frame in
        let cpu = Unmanaged<CPUContext>.fromOpaque(opaque).takeUnretainedValue()
        guard let value = cpu.loadSlow(address, size: size) else { return 0 }
        frame[JITFrame.scratch] = value
        if cpu.exitFlags.load(ordering: .relaxed) != 0 { requestLeave(frame) }
        return 1
    }

    static let store: Store = { opaque, address, size, value, frame in
        let cpu = Unmanaged<CPUContext>.fromOpaque(opaque).takeUnretainedValue()
        let before = cpu.cache.invalidationCount
        guard cpu.storeSlow(address, size: size, value: value) else { return 0 }
        if cpu.cache.invalidationCount != before || cpu.exitFlags.load(ordering: .relaxed) != 0 { requestLeave(frame) }
        return 1
    }

    /// `packedOp` is the opcode's raw value in bits 0-7 and the op's `c` in bits 8-15; the
    /// old value (or the SC result) goes to the frame's `scratch`.
    static let atomic: Atomic = { opaque, packedOp, address, operand, frame in
        let cpu = Unmanaged<CPUContext>.fromOpaque(opaque).takeUnretainedValue()
        let before = cpu.cache.invalidationCount
        guard let code = IROpcode(rawValue: UInt8(truncatingIfNeeded: packedOp)) else { preconditionFailure("atomic thunk for a bad opcode") }
        let size = CPUContext.accessSize(code)
        let result: Result<UInt64, GuestFault>
        switch code {
        case .loadReserved32, .loadReserved64: result = cpu.loadReserved(address, size: size)
        case .storeConditional32, .storeConditional64: result = cpu.storeConditional(address, size: size, value: operand)
        default:
            guard let operation = AtomicOperation(rawValue: UInt8(truncatingIfNeeded: packedOp >> 8)) else {
                preconditionFailure("atomic op with operation \(packedOp >> 8)")
            }
            result = cpu.atomicReadModifyWrite(address, size: size, operation: operation, operand: operand)
        }
        switch result {
        case .success(let value):
            frame[JITFrame.scratch] = value
            if cpu.cache.invalidationCount != before || cpu.exitFlags.load(ordering: .relaxed) != 0 { requestLeave(frame) }
            return 1
        case .failure(let fault):
            cpu.slowFault = fault
            return 0
        }
    }

    private static func requestLeave(_ frame: UnsafeMutablePointer<UInt64>) {
        frame[JITFrame.loopLimit] = 0
        frame[JITFrame.budget] = 0
    }
}
