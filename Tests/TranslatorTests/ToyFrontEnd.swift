import Machine
@testable import Translator

/// A minimal guest for testing the target-independent core: every guest instruction is 8 bytes,
/// `[opcode, d, a, b, imm32]`, and becomes exactly that IR op. Transfers take imm as a byte
/// offset from the instruction; conditional branches fall through to the next instruction.
/// `raise` traps to the handler at `trapVector`, recording the fault and its PC.
final class ToyFrontEnd: GuestFrontEnd, @unchecked Sendable {
    static let stateSlotCount = 40
    static let pcSlot = 32
    var faults: [(fault: GuestFault, pc: UInt64, retired: UInt64)] = []
    var trapVector: UInt64 = 0
    var helperCalls = 0

    func translate(_ builder: inout BlockBuilder) {
        var pc = builder.startPC
        while !builder.isEnded {
            guard !builder.isFull, let w0 = builder.fetch16(at: pc), let w1 = builder.fetch16(at: pc + 2),
                  let w2 = builder.fetch16(at: pc + 4), let w3 = builder.fetch16(at: pc + 6) else {
                builder.emitTransfer(.jump, to: pc)
                return
            }
            let code = IROpcode(rawValue: UInt8(w0 & 0xFF)) ?? .raise
            let imm = Int64(Int32(bitPattern: UInt32(w2) | UInt32(w3) << 16))
            builder.beginInstruction(at: pc, length: 8)
            let op = IROp(code, d: UInt8(w0 >> 8), a: UInt8(w1 & 0xFF), b: UInt8(w1 >> 8), imm: imm)
            switch code {
            case .jump, .branchEqual, .branchNotEqual, .branchLess, .branchGreaterEqual, .branchLessUnsigned,
                 .branchGreaterEqualUnsigned:
                builder.emitTransfer(code, a: op.a, b: op.b, to: pc &+ UInt64(bitPattern: imm))
                if code != .jump { builder.emitTransfer(.jump, to: pc + 8) }
            case .exitToLoop:
                builder.emitExitToLoop(resumeAt: pc + 8)
            default:
                builder.emit(op)
            }
            pc += 8
        }
    }

    func helper(_ op: IROp, pc: UInt64, cpu: CPUContext) -> HelperResult {
        helperCalls += 1
        cpu.state[Int(op.d)] = cpu.retired
        return .next
    }

    func takeFault(_ fault: GuestFault, pc: UInt64, cpu: CPUContext) -> UInt64 {
        faults.append((fault, pc, cpu.retired))
        return trapVector
    }

    func takeInterrupt(pc: UInt64, cpu: CPUContext) -> UInt64? { nil }
}

/// Assembles toy instructions.
struct ToyProgram {
    var bytes: [UInt8] = []

    mutating func op(_ code: IROpcode, d: Int = 0, a: Int = 0, b: Int = 0, imm: Int32 = 0) {
        bytes += [code.rawValue, UInt8(d), UInt8(a), UInt8(b)]
        withUnsafeBytes(of: imm.littleEndian) { bytes += $0 }
    }

    var count: Int { bytes.count / 8 }
}

/// RAM at 0x1000 (64 KiB), a bus, and an engine over the toy front end.
final class ToyMachine {
    let memory: GuestMemory
    let bus = Bus(name: "mmio")
    let engine: ExecutionEngine<ToyFrontEnd>

    init(_ program: ToyProgram, opCapacity: Int = 1 << 16) throws {
        memory = try GuestMemory(base: 0x1000, size: 0x10000)
        try memory.write(program.bytes, at: 0x1000)
        engine = ExecutionEngine(guest: ToyFrontEnd(), memory: memory, bus: bus, opCapacity: opCapacity)
        engine.pc = 0x1000
    }

    subscript(slot: Int) -> UInt64 {
        get { engine.cpu.state[slot] }
        set { engine.cpu.state[slot] = newValue }
    }
}
