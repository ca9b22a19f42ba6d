import Machine
import Testing
@testable import PCI

@Suite struct MSIXTests {
    /// A function at 00:02.0 with BAR 2 at `table`, memory decode and bus master on.
    func setUp() -> (PCIRig, ScratchFunction, UInt64) {
        let rig = PCIRig()
        let f = ScratchFunction()
        try! rig.bridge.attach(f, at: PCIAddress(device: 2))
        let table = PCIRig.memoryBase + 0x10000
        rig.setCfg32(2, 0x18, UInt32(table))
        rig.setCfg32(2, 0x1C, 0)
        rig.setCfg32(2, 0x04, 0x6)
        for v in 0..<4 {
            rig.bus.write(table + UInt64(16 * v), size: 8, value: 0xFEE0_0000)
            rig.bus.write(table + UInt64(16 * v) + 8, size: 4, value: UInt64(0x40 + v))
        }
        return (rig, f, table)
    }

    func control(_ rig: PCIRig, _ f: ScratchFunction) -> UInt64 { rig.ecam(2, f.msix.capabilityOffset + 2) }

    @Test func capabilityDescribesTableAndPBA() {
        let (rig, f, _) = setUp()
        let cap = f.msix.capabilityOffset
        #expect(rig.bus.read(rig.ecam(2, cap), size: 1) == 0x11)
        #expect(rig.bus.read(control(rig, f), size: 2) == 3)
        #expect(rig.cfg32(2, cap + 4) == 2)
        #expect(rig.cfg32(2, cap + 8) == 0x802)
        // Table Size is read-only.
        rig.bus.write(control(rig, f), size: 2, value: 0x7FF)
        #expect(rig.bus.read(control(rig, f), size: 2) == 3)
    }

    @Test func masksAndPendingBits() {
        let (rig, f, table) = setUp()
        // Disabled: nothing is sent, nothing pending.
        f.msix.notify(vector: 0)
        #expect(rig.msi.messages.isEmpty)
        #expect(!f.msix.isPending(0))
        rig.bus.write(control(rig, f), size: 2, value: 0xC000) // enable + function mask
        f.msix.notify(vector: 1)
        #expect(rig.msi.messages.isEmpty)
        #expect(f.msix.isPending(1))
        // Vector 1 is still masked per vector after the function mask clears.
        f.writeConfig(offset: f.msix.capabilityOffset + 2, size: 2, value: 0x8000)
        #expect(rig.msi.messages.isEmpty)
        #expect(rig.bus.read(table + 0x800, size: 8) == 0b10)
        rig.bus.write(table + 16 + 12, size: 4, value: 0)
        #expect(rig.msi.messages == [MSIMessage(address: 0xFEE0_0000, data: 0x41)])
        #expect(!f.msix.isPending(1))
        // Unmasked vector goes out at once; out-of-range vectors are ignored.
        rig.bus.write(table + 12, size: 4, value: 0)
        f.msix.notify(vector: 0)
        f.msix.notify(vector: 4)
        f.msix.notify(vector: -1)
        #expect(rig.msi.messages.count == 2)
        #expect(rig.msi.messages.last?.data == 0x40)
    }

    @Test func tableAccessWidthsAndReadOnlyPBA() {
        let (rig, _, table) = setUp()
        #expect(rig.bus.read(table + 8, size: 4) == 0x40)
        #expect(rig.bus.read(table, size: 8) == 0xFEE0_0000)
        #expect(rig.bus.read(table + 12, size: 4) == 1)
        // Only the mask bit of Vector Control is writable; odd widths are ignored.
        rig.bus.write(table + 12, size: 4, value: 0xFFFF_FFFE)
        #expect(rig.bus.read(table + 12, size: 4) == 0)
        rig.bus.write(table + 8, size: 2, value: 0xFFFF)
        rig.bus.write(table + 9, size: 4, value: 0xFFFF)
        #expect(rig.bus.read(table + 8, size: 4) == 0x40)
        #expect(rig.bus.read(table + 8, size: 2) == 0)
        rig.bus.write(table + 0x800, size: 8, value: UInt64.max)
        #expect(rig.bus.read(table + 0x800, size: 8) == 0)
        // Beyond the table and PBA: the function's BAR reads 0.
        #expect(rig.bus.read(table + 0x400, size: 4) == 0)
    }

    @Test func busMasterOffHoldsMessagesPending() {
        let (rig, f, table) = setUp()
        rig.bus.write(control(rig, f), size: 2, value: 0x8000)
        rig.bus.write(table + 12, size: 4, value: 0)
        rig.setCfg32(2, 0x04, 0x2)
        f.msix.notify(vector: 0)
        #expect(rig.msi.messages.isEmpty)
        #expect(f.msix.isPending(0))
        f.writeConfig(offset: 0x04, size: 2, value: 0x6)
        #expect(rig.msi.messages.count == 1)
    }
}
