import Foundation
import Machine
import Testing
@testable import Translator

final class StopDevice: MMIODevice, @unchecked Sendable {
    weak var engine: ExecutionEngine<ToyFrontEnd>?
    var writes: [(UInt64, Int, UInt64)] = []
    func read(offset: UInt64, size: Int) -> UInt64 { 0xD0 + offset }
    func write(offset: UInt64, size: Int, value: UInt64) {
        writes.append((offset, size, value))
        if offset == 0 { engine?.requestExit() }
    }
}

@Suite struct TranslatorCoreTests {
    /// Appends "store to the stop device" (slot 30 holds its address).
    static func stop(_ p: inout ToyProgram) {
        p.op(.loadImm, d: 30, imm: 0x100)
        p.op(.store8, a: 30, b: 0)
        p.op(.jump, imm: 0)
    }

    func run(_ m: ToyMachine) throws -> StopDevice {
        let device = StopDevice()
        device.engine = m.engine
        try m.bus.register(device, at: 0x100, size: 0x100, name: "stop")
        #expect(m.engine.run() == .exitRequested)
        return device
    }

    @Test func opIsSixteenBytesAndLinksPack() {
        #expect(MemoryLayout<IROp>.size == 16)
        let op = IROp(.jump, imm: IROp.transferImmediate(offset: -24))
        #expect(op.targetOffset == -24 && op.link == 0)
        let linked = op.linked(to: 77)
        #expect(linked.targetOffset == -24 && linked.link == 78 * 16)
        #expect(linked.linked(to: 0).link == 16 && linked.linked(to: 0).targetOffset == -24)
    }

    @Test func codeMasksCoverTheWrittenChunks() {
        #expect(CodeMask.chunks(0, 0) == 1)
        #expect(CodeMask.chunks(63, 64) == 3)
        #expect(CodeMask.chunks(0xFC0, 0xFFF) == 1 << 63)
        #expect(CodeMask.chunks(0x1005, 0x1005) == 1)
        #expect(CodeMask.chunks(0x2000, 0x2FFF) == .max)
    }

    @Test func divisionAndShiftSemantics() throws {
        var p = ToyProgram()
        p.op(.loadImm, d: 1, imm: -7)
        p.op(.loadImm, d: 2, imm: 0)
        p.op(.div, d: 3, a: 1, b: 2)
        p.op(.rem, d: 4, a: 1, b: 2)
        p.op(.loadImm, d: 5, imm: 65)
        p.op(.shiftLeft, d: 6, a: 1, b: 5)
        p.op(.divUnsignedW, d: 7, a: 1, b: 5)
        Self.stop(&p)
        let m = try ToyMachine(p)
        _ = try run(m)
        #expect(m[3] == .max)
        #expect(m[4] == UInt64(bitPattern: -7))
        #expect(m[6] == UInt64(bitPattern: -14))
        #expect(m[7] == UInt64(0xFFFF_FFF9 / 65))
    }

    @Test func directBranchesAreChainedAndLoopsStayCorrect() throws {
        var p = ToyProgram()
        p.op(.loadImm, d: 1, imm: 10_000)
        p.op(.addImm, d: 2, a: 2, imm: 3)       // loop:
        p.op(.addImm, d: 1, a: 1, imm: -1)
        p.op(.branchNotEqual, a: 1, b: 0, imm: -16)
        Self.stop(&p)
        let m = try ToyMachine(p)
        _ = try run(m)
        #expect(m[2] == 30_000)
        let cache = m.engine.cpu.cache
        let linked = (0..<cache.opCount).filter { cache.ops[$0].code == .branchNotEqual && cache.ops[$0].link != 0 }
        // The first block (entry + first pass) and the loop block both end in the back edge,
        // and both are chained to the loop block.
        #expect(linked.count == 2)
        #expect(m.engine.cpu.retired == 1 + 3 * 10_000 + 3, "the final self-jump retires before the exit is seen")
    }

    @Test func consecutiveAddImmediatesFuseInOrder() throws {
        var p = ToyProgram()
        p.op(.addImm, d: 1, a: 0, imm: 5)
        p.op(.addImm, d: 2, a: 1, imm: -2)              // reads the first half's result
        p.op(.addImm, d: 1, a: 1, imm: .max)
        p.op(.addImm, d: 3, a: 2, imm: .min)
        p.op(.addImm, d: 4, a: 3, imm: 1)               // the odd one stays an addImm
        Self.stop(&p)
        let m = try ToyMachine(p)
        _ = try run(m)
        #expect(m[1] == 5 + UInt64(Int32.max))
        #expect(m[2] == 3)
        #expect(m[3] == UInt64(bitPattern: 3 + Int64(Int32.min)))
        #expect(m[4] == m[3] &+ 1)
        let cache = m.engine.cpu.cache
        let codes = (0..<cache.opCount).map { cache.ops[$0].code }
        #expect(codes.filter { $0 == .addImmPair }.count == 2)
        #expect(codes.filter { $0 == .addImm }.count == 1)
        #expect(m.engine.cpu.retired == 5 + 3, "a pair retires both of its instructions")
        #expect(IROp.pair(IROp(.addImm, imm: 1 << 32), IROp(.addImm)) == nil)
    }

    @Test func faultsArePreciseAndDoNotRetire() throws {
        var p = ToyProgram()
        p.op(.loadImm, d: 1, imm: 0x4000_0000)
        p.op(.addImm, d: 2, a: 0, imm: 5)
        p.op(.load64, d: 3, a: 1, imm: 8)       // no RAM, no device: access fault
        p.op(.addImm, d: 2, a: 0, imm: 6)
        Self.stop(&p)
        let m = try ToyMachine(p)
        m.engine.guest.trapVector = 0x1000 + 4 * 8
        m[3] = 0xAA
        _ = try run(m)
        let faults = m.engine.guest.faults
        #expect(faults.count == 1)
        #expect(faults.first?.fault == .loadAccess(address: 0x4000_0008))
        #expect(faults.first?.pc == 0x1000 + 16)
        #expect(faults.first?.retired == 2)
        #expect(m[3] == 0xAA, "a faulting load leaves its destination alone")
        #expect(m[2] == 5)
    }

    @Test func misalignedAndPageCrossingAccessesAndMMIO() throws {
        var p = ToyProgram()
        p.op(.loadImm, d: 1, imm: 0x1FFD)
        p.op(.loadImm, d: 2, imm: 0x1122_3344)
        p.op(.store64, a: 1, b: 2)
        p.op(.load64, d: 3, a: 1)
        p.op(.load16Unsigned, d: 4, a: 1, imm: 2)
        p.op(.loadImm, d: 5, imm: 0x100)
        p.op(.load32, d: 6, a: 5, imm: 0x10)
        p.op(.store16, a: 5, b: 2, imm: 0x20)
        Self.stop(&p)
        let m = try ToyMachine(p)
        let device = try run(m)
        #expect(m[3] == 0x1122_3344)
        #expect(m[4] == 0x1122)
        #expect(m[6] == 0xE0)
        #expect(device.writes.first.map { $0.0 == 0x20 && $0.1 == 2 && $0.2 == 0x1122_3344 } == true)
    }

    @Test func storesToTranslatedCodeInvalidateIt() throws {
        // The loop body's `addImm d2 += 1` is overwritten with `addImm d2 += 100` after the
        // first pass; the second pass must run the new instruction.
        var p = ToyProgram()
        p.op(.loadImm, d: 1, imm: 2)                 // 0: passes
        p.op(.addImm, d: 2, a: 2, imm: 1)            // 8: body (patched)
        p.op(.loadImm, d: 4, imm: 0x1008)            // 16
        p.op(.load64, d: 5, a: 4, imm: 0x60 - 8)     // 24: the replacement instruction
        p.op(.store64, a: 4, b: 5)                   // 32
        p.op(.addImm, d: 1, a: 1, imm: -1)           // 40
        p.op(.branchNotEqual, a: 1, b: 0, imm: -40)  // 48 -> 8
        p.op(.jump, imm: 0x68 - 56)                  // 56 -> stop
        p.op(.raise)                                 // 64
        p.op(.raise)
        p.op(.raise)
        p.op(.raise)
        p.op(.addImm, d: 2, a: 2, imm: 100)          // 0x60: replacement
        Self.stop(&p)                                // 0x68
        let m = try ToyMachine(p)
        _ = try run(m)
        #expect(m[2] == 101)
    }

    @Test func invalidatingAHugeRangeClampsAndDropsTheCode() throws {
        var p = ToyProgram()
        p.op(.addImm, d: 2, a: 2, imm: 1)
        Self.stop(&p)
        let m = try ToyMachine(p)
        _ = try run(m)
        #expect(m[2] == 1)
        var patched = ToyProgram()
        patched.op(.addImm, d: 2, a: 2, imm: 50)
        try m.memory.write(patched.bytes, at: 0x1000)
        m.engine.cpu.invalidateCode(at: 0x10, length: .max)
        m.engine.pc = 0x1000
        #expect(m.engine.run() == .exitRequested)
        #expect(m[2] == 51)
    }

    @Test func aFullCacheIsFlushedAndExecutionContinues() throws {
        var p = ToyProgram()
        p.op(.loadImm, d: 1, imm: 50)
        for _ in 0..<40 {
            p.op(.addImm, d: 2, a: 2, imm: 1)
            p.op(.jump, imm: 8)
        }
        p.op(.addImm, d: 1, a: 1, imm: -1)
        p.op(.branchNotEqual, a: 1, b: 0, imm: -8 * 81)
        Self.stop(&p)
        let m = try ToyMachine(p, opCapacity: 64)
        _ = try run(m)
        #expect(m[2] == 2000)
        #expect(m.engine.cpu.cache.generation > 0)
    }

    @Test func exitRequestStopsAChainedInfiniteLoop() throws {
        var p = ToyProgram()
        p.op(.addImm, d: 1, a: 1, imm: 1)
        p.op(.jump, imm: -8)
        let m = try ToyMachine(p)
        let engine = m.engine
        let stopper = Thread {
            usleep(20_000)
            engine.requestExit()
        }
        stopper.start()
        #expect(engine.run() == .exitRequested)
        #expect(m[1] > 100)
    }

    @Test func helpersSeeTheRetiredCountBeforeTheirInstruction() throws {
        var p = ToyProgram()
        p.op(.addImm, d: 1, a: 1, imm: 1)
        p.op(.addImm, d: 1, a: 1, imm: 1)
        p.op(.helper, d: 9)
        p.op(.addImm, d: 1, a: 1, imm: 1)
        Self.stop(&p)
        let m = try ToyMachine(p)
        _ = try run(m)
        #expect(m[9] == 2)
        #expect(m.engine.guest.helperCalls == 1)
        #expect(m.engine.cpu.retired == 4 + 3)
    }
}
