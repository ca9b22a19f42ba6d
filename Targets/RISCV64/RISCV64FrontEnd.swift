import Synchronization
import Translator

/// The riscv64 front end: decodes RV64IMAFDC + Zicsr + Zifencei (+ Zba/Zbb/Zbs) into the
/// translator's IR and implements the privileged side for M, S and U modes (CSRs, traps,
/// interrupts, Sv39/Sv48 translation).
///
/// Used by `ExecutionEngine` through generics only. Per-hart data that other threads touch
/// (interrupt lines) is atomic; everything else lives in the flat state (`RISCV64Slot`).
public final class RISCV64FrontEnd: GuestFrontEnd, @unchecked Sendable {
    public static let stateSlotCount = RISCV64Slot.count
    public static let pcSlot = RISCV64Slot.pc
    public static let zeroSlot: Int? = RISCV64Slot.x(0)

    /// The mip bits driven by interrupt lines (MSIP, MTIP, MEIP, and the S-mode lines).
    let interruptLines = Atomic<UInt64>(0)
    /// Reads the platform timer for the `time` CSR; nil makes `time` reads illegal, as on a hart
    /// without a memory-mapped timer.
    var timeSource: (@Sendable () -> UInt64)?

    init() {}

    /// Exception causes (privileged ISA §3.1.15, table 3.6).
    enum Cause {
        static let instructionAccessFault: UInt32 = 1
        static let illegalInstruction: UInt32 = 2
        static let breakpoint: UInt32 = 3
        static let loadAddressMisaligned: UInt32 = 4
        static let loadAccessFault: UInt32 = 5
        static let storeAddressMisaligned: UInt32 = 6
        static let storeAccessFault: UInt32 = 7
        /// ecall from U; from S and M are 9 and 11 (this plus the privilege level).
        static let environmentCallFromU: UInt32 = 8
        static let instructionPageFault: UInt32 = 12
        static let loadPageFault: UInt32 = 13
        static let storePageFault: UInt32 = 15
    }

    /// Helper numbers carried in a `helper` op's `c` field.
    enum Helper {
        static let csr: UInt8 = 0
        static let mret: UInt8 = 1
        static let wfi: UInt8 = 2
        static let float: UInt8 = 3
        static let sret: UInt8 = 4
        static let sfenceVMA: UInt8 = 5
    }

    /// Bits of `CPUContext.modeFlags`: translation-time state that changes what code means.
    enum ModeFlag {
        /// mstatus.FS is not Off, so F/D instructions are legal.
        static let floatEnabled: UInt64 = 1
        /// The privilege level (0 U, 1 S, 3 M) in bits 1-2.
        static let privilegeShift: UInt64 = 1
        /// Instruction fetch goes through the page tables.
        static let paging: UInt64 = 1 << 3
    }

    public func translate(_ builder: inout BlockBuilder) {
        var pc = builder.startPC
        let page = pc >> 12
        while !builder.isEnded {
            // A block stays in its virtual page (its lookup checked that page's mapping only).
            guard !builder.isFull, builder.instructionCount == 0 || pc >> 12 == page, let low = builder.fetch16(at: pc) else {
                builder.emitTransfer(.jump, to: pc)
                return
            }
            if low & 3 != 3 {
                builder.beginInstruction(at: pc, length: 2)
                if let word = RISCV64Compressed.expand(low) {
                    emit(word, raw: UInt32(low), pc: pc, length: 2, into: &builder)
                } else {
                    emitIllegal(UInt32(low), into: &builder)
                }
                pc &+= 2
                continue
            }
            guard let high = builder.fetch16(at: pc &+ 2) else {
                if builder.instructionCount == 0 {
                    builder.beginInstruction(at: pc, length: 2)
                    let cause = if case .raised(let c, _) = builder.fetchFault { c } else { Cause.instructionAccessFault }
                    builder.emit(IROp(.raise, c: 3, imm: Int64(cause)))
                } else {
                    builder.emitTransfer(.jump, to: pc)
                }
                return
            }
            let word = UInt32(low) | UInt32(high) << 16
            builder.beginInstruction(at: pc, length: 4)
            emit(word, raw: word, pc: pc, length: 4, into: &builder)
            pc &+= 4
        }
    }

    func emitIllegal(_ raw: UInt32, into builder: inout BlockBuilder) {
        builder.emit(IROp(.raise, c: 1, imm: Int64(Cause.illegalInstruction) | Int64(raw) << 32))
    }
}
