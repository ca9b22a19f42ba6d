import Machine
import Testing
@testable import PCI

@Suite struct PCIPlacementTests {
    @Test func allocatorPlacesLargestFirstAndEnablesDecode() throws {
        let rig = PCIRig()
        let f = ScratchFunction()
        try rig.bridge.attach(f, at: PCIAddress(device: 1))
        var allocator = BARAllocator(memory32: PCIRig.memoryBase..<(PCIRig.memoryBase + PCIRig.memorySize), io: 0x1000..<0x10000)
        try allocator.assign(f)
        #expect(f.config.bars[2]?.address == PCIRig.memoryBase)
        #expect(f.config.bars[0]?.address == PCIRig.memoryBase + 0x1000)
        #expect(f.config.bars[1]?.address == 0x1000)
        #expect(f.config.memoryEnabled && f.config.ioEnabled)
        rig.bus.write(PCIRig.memoryBase + 0x1000, size: 8, value: 5)
        #expect(f.memory[0] == 5)
        var tiny = BARAllocator(memory32: 0x1000..<0x1100, io: 0..<4)
        #expect(throws: PCIError.windowFull(bar: 2, size: 4096)) { try tiny.assign(ScratchFunction()) }
    }

    @Test func deviceTreeNodeDescribesTheHost() {
        let description = PCIDeviceTreeDescription(
            ecamBase: 0x3F00_0000, busCount: 16,
            io: .init(cpuAddress: 0x3EFF_0000, pciAddress: 0, size: 0x1_0000),
            memory32: .init(cpuAddress: 0x1000_0000, pciAddress: 0x1000_0000, size: 0x2EFF_0000),
            interruptParent: 0x8001, parentAddressCells: 2,
            intxSpecifiers: (0..<4).map { [0, 3 + UInt32($0), 4] }, msiParent: 0x8002)
        let node = description.node
        #expect(node.name == "pcie@3f000000")
        #expect(node[property: "compatible"]?.string == "pci-host-ecam-generic")
        #expect(node[property: "device_type"]?.string == "pci")
        #expect(node[property: "bus-range"]?.u32s == [0, 15])
        #expect(node[property: "reg"]?.u32s == [0, 0x3F00_0000, 0, 0x100_0000])
        #expect(node[property: "ranges"]?.u32s == [0x0100_0000, 0, 0, 0, 0x3EFF_0000, 0, 0x1_0000,
                                                   0x0200_0000, 0, 0x1000_0000, 0, 0x1000_0000, 0, 0x2EFF_0000])
        #expect(node[property: "interrupt-map-mask"]?.u32s == [0x1800, 0, 0, 7])
        let map = node[property: "interrupt-map"]!.u32s!
        #expect(map.count == 16 * 10)
        // Entry for device 1, INTB (pin 2): output (1 + 1) % 4 = 2 -> SPI 5.
        let entry = Array(map[(1 * 4 + 1) * 10 ..< (1 * 4 + 2) * 10])
        #expect(entry == [0x800, 0, 0, 2, 0x8001, 0, 0, 0, 5, 4])
        #expect(node[property: "msi-parent"]?.u32 == 0x8002)
        #expect(node[property: "#interrupt-cells"]?.u32 == 1)
    }
}
