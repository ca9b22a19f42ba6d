import Machine
import Testing
import Virtio
import VirtioDriver
@testable import RISCV64

/// Device writes into guest RAM (DMA) drop translations of the code they overwrite, with no
/// explicit invalidation call: through `GuestMemory.write`, and through a virtqueue chain the
/// way a virtio device receives a guest's buffer.
@Suite struct DMACodeInvalidationTests {
    /// Calls `f` (a0 += 1), stops; the test rewrites f as `addi a0, a0, 100` and runs again.
    static let program = """
        li a0, 0
    again:
        call f
        lui t6, 0x100
        sw zero, 0(t6)
        j again
        .balign 64
    f:
        addi a0, a0, 1
        ret
    """
    static let newInstruction = RISCV64Encoding.i(100, rs1: 10, funct3: 0, rd: 10, opcode: 0b0010011)

    @Test func hostPointerWriteRunsTheNewCodeAfterExplicitInvalidation() throws {
        // A write straight into RAM that `CodePageMap` does not see, then the board's call.
        let rig = try GuestRig(Self.program)
        rig.run()
        #expect(rig["a0"] == 1)
        let f = GuestRig.ramBase + 64
        try rig.memory.slice(at: f, length: 4).storeBytes(of: Self.newInstruction.littleEndian, as: UInt32.self)
        rig.hart.invalidateTranslations(at: f, length: 4)
        rig.run()
        #expect(rig["a0"] == 101)
    }

    @Test func guestMemoryWriteIntoCodeRunsTheNewCode() throws {
        let rig = try GuestRig(Self.program)
        rig.run()
        #expect(rig["a0"] == 1)
        let f = GuestRig.ramBase + 64
        #expect(rig.memory.codePages.holdsCode(page: f >> 12))
        try rig.memory.write(Self.newInstruction, at: f)
        rig.run()
        #expect(rig["a0"] == 101)
    }

    @Test(arguments: [false, true])
    func virtqueueBufferOverCodeRunsTheNewCode(packed: Bool) throws {
        let rig = try GuestRig(Self.program, ramSize: 4 << 20)
        rig.run()
        #expect(rig["a0"] == 1)
        let f = GuestRig.ramBase + 64
        // A guest driver hands the device a writable buffer over f, as a disk read into a page
        // that held code does; the device fills it through the chain.
        let features = VirtioFeature.version1 | (packed ? VirtioFeature.ringPacked : 0)
        let driver = try GuestDriver(memory: rig.memory, size: 8, features: features, base: GuestRig.ramBase + (2 << 20))
        let buffer = [GuestBuffer(address: f, length: 4, deviceWritable: true)]
        #expect(buffer.withUnsafeBufferPointer { driver.add($0, token: 1) })
        var queue = try driver.queueConfig.activate(memory: rig.memory)
        var chain = try #require(try queue.pop())
        let written = try withUnsafeBytes(of: Self.newInstruction.littleEndian) { try chain.write($0) }
        #expect(written == 4)
        try queue.push(chain, written: 4)
        queue.publish()
        #expect(driver.getBuf()?.token == 1)
        rig.run()
        #expect(rig["a0"] == 101)
        // The invalidation dropped the page's blocks; running f again marked it anew.
        #expect(rig.memory.codePages.holdsCode(page: f >> 12))
    }
}
