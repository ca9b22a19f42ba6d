import Machine
import Testing
@testable import PCI

@Suite struct PCIConfigSpaceTests {
    @Test func barSizingFor32And64BitMemoryAndIO() {
        let rig = PCIRig()
        try! rig.bridge.attach(ScratchFunction(), at: PCIAddress(device: 2))
        rig.setCfg32(2, 0x10, 0xFFFF_FFFF)
        #expect(rig.cfg32(2, 0x10) == 0xFFFF_FF00)
        rig.setCfg32(2, 0x14, 0xFFFF_FFFF)
        #expect(rig.cfg32(2, 0x14) == 0xFFFF_FFF1)
        rig.setCfg32(2, 0x18, 0xFFFF_FFFF)
        rig.setCfg32(2, 0x1C, 0xFFFF_FFFF)
        #expect(rig.cfg32(2, 0x18) == 0xFFFF_F004)
        #expect(rig.cfg32(2, 0x1C) == 0xFFFF_FFFF)
        rig.setCfg32(2, 0x20, 0xFFFF_FFFF)
        #expect(rig.cfg32(2, 0x20) == 0)
        // Addresses keep their alignment; a 64-bit BAR takes a high dword.
        rig.setCfg32(2, 0x18, 0x1234_5678)
        rig.setCfg32(2, 0x1C, 0x1)
        #expect(rig.cfg32(2, 0x18) == 0x1234_5004)
        let f = rig.bridge.functions[PCIAddress(device: 2)]!
        #expect(f.config.bars[2]?.address == 0x1_1234_5000)
        // Byte writes to a BAR merge into the register.
        rig.bus.write(rig.ecam(2, 0x13), size: 1, value: 0x45)
        #expect(rig.cfg32(2, 0x10) == 0x45FF_FF00)
    }

    @Test func headerIsReadOnlyWhereItShouldBe() {
        let rig = PCIRig()
        try! rig.bridge.attach(ScratchFunction(), at: PCIAddress(device: 2))
        rig.setCfg32(2, 0x00, 0)
        rig.setCfg32(2, 0x08, 0)
        rig.setCfg32(2, 0x2C, 0)
        #expect(rig.cfg32(2, 0x00) == 0x5678_1234)
        #expect(rig.cfg32(2, 0x08) == 0xFF00_0002)
        #expect(rig.cfg32(2, 0x2C) == 0x0001_1234)
        rig.setCfg32(2, 0x04, 0xFFFF_FFFF)
        #expect(rig.cfg32(2, 0x04) & 0xFFFF == 0x0407)
        // Interrupt line is scratch for software.
        rig.bus.write(rig.ecam(2, 0x3C), size: 1, value: 9)
        #expect(rig.bus.read(rig.ecam(2, 0x3C), size: 1) == 9)
        #expect(rig.bus.read(rig.ecam(2, 0x3D), size: 1) == 1)
    }

    @Test func absentFunctionsAndOtherBusesReadAllOnes() {
        let rig = PCIRig()
        #expect(rig.cfg32(5, 0) == 0xFFFF_FFFF)
        #expect(rig.bridge.configRead(bus: 1, device: 0, function: 0, offset: 0, size: 4) == 0xFFFF_FFFF)
        #expect(rig.bus.read(rig.ecam(5, 0), size: 2) == 0xFFFF)
        // The host bridge function answers at 00:00.0.
        #expect(rig.cfg32(0, 0x08) >> 8 == 0x06_00_00)
        rig.setCfg32(5, 0x04, 0xFFFF)
    }

    @Test func oddConfigAccessesAreRefused() {
        let rig = PCIRig()
        try! rig.bridge.attach(ScratchFunction(), at: PCIAddress(device: 2))
        // Unaligned and 8-byte ECAM accesses read all ones and write nothing.
        #expect(rig.bus.read(rig.ecam(2, 0x01), size: 2) == 0xFFFF)
        #expect(rig.bus.read(rig.ecam(2, 0x00), size: 8) == UInt64.max)
        rig.bus.write(rig.ecam(2, 0x3B), size: 2, value: 0x0909)
        rig.bus.write(rig.ecam(2, 0x38), size: 8, value: UInt64.max)
        #expect(rig.bus.read(rig.ecam(2, 0x3C), size: 1) == 0)
        // Extended space beyond the header reads 0 here, and the last dword is reachable.
        #expect(rig.cfg32(2, 0xFFC) == 0)
        // Sub-dword reads of a dword register.
        #expect(rig.bus.read(rig.ecam(2, 0x02), size: 2) == 0x5678)
        #expect(rig.bus.read(rig.ecam(2, 0x03), size: 1) == 0x56)
    }

    @Test func capabilityListLinksEveryCapability() {
        let config = PCIConfigSpace(vendorID: 1, deviceID: 2, revision: 0, classCode: 0)
        #expect(config.read(offset: 0x06, size: 2) & 0x10 == 0)
        let a = config.addCapability(id: 0x09, length: 16)
        let b = config.addCapability(id: 0x11, length: 12)
        let c = config.addCapability(id: 0x09, length: 20)
        #expect(config.read(offset: 0x06, size: 2) & 0x10 != 0)
        #expect(config.read(offset: 0x34, size: 1) == UInt32(a))
        #expect(config.read(offset: a + 1, size: 1) == UInt32(b))
        #expect(config.read(offset: b + 1, size: 1) == UInt32(c))
        #expect(config.read(offset: c + 1, size: 1) == 0)
        #expect([a, b, c] == [0x40, 0x50, 0x5C])
    }

    @Test func decodeFollowsTheCommandRegister() {
        let rig = PCIRig()
        let f = ScratchFunction()
        try! rig.bridge.attach(f, at: PCIAddress(device: 3))
        rig.setCfg32(3, 0x10, UInt32(PCIRig.memoryBase + 0x1000))
        rig.setCfg32(3, 0x14, 0x100)
        let memory = PCIRig.memoryBase + 0x1008
        rig.bus.write(memory, size: 8, value: 42)
        #expect(f.memory[1] == 0)
        #expect(rig.bus.read(memory, size: 4) == 0xFFFF_FFFF)
        rig.setCfg32(3, 0x04, 0x2)
        rig.bus.write(memory, size: 8, value: 42)
        #expect(f.memory[1] == 42)
        #expect(rig.bus.read(memory, size: 8) == 42)
        // I/O decode is separate.
        rig.bus.write(PCIRig.ioCPUBase + 0x104, size: 4, value: 7)
        #expect(f.io[1] == 0)
        rig.setCfg32(3, 0x04, 0x3)
        rig.bus.write(PCIRig.ioCPUBase + 0x104, size: 4, value: 7)
        #expect(f.io[1] == 7)
        // Moving the BAR moves the registers; the old place goes dark.
        rig.setCfg32(3, 0x10, UInt32(PCIRig.memoryBase + 0x2000))
        #expect(rig.bus.read(memory, size: 4) == 0xFFFF_FFFF)
        #expect(rig.bus.read(PCIRig.memoryBase + 0x2008, size: 8) == 42)
    }

    @Test func intxIsSwizzledAndWiredOr() {
        let rig = PCIRig()
        let a = ScratchFunction(), b = ScratchFunction()
        try! rig.bridge.attach(a, at: PCIAddress(device: 1))
        try! rig.bridge.attach(b, at: PCIAddress(device: 5))
        // Device 1 INTA and device 5 INTA both reach output (d + 0) % 4 == 1.
        a.config.setINTx(true)
        #expect(rig.intc.level(4))
        b.config.setINTx(true)
        a.config.setINTx(false)
        #expect(rig.intc.level(4))
        b.config.setINTx(false)
        #expect(!rig.intc.level(4))
        #expect(PCIINTxRouter.output(device: 2, pin: 3) == 1)
        // Interrupt Disable masks the pin, Interrupt Status still shows it.
        rig.setCfg32(1, 0x04, 0x400)
        a.config.setINTx(true)
        #expect(!rig.intc.level(4))
        #expect(rig.cfg32(1, 0x04) >> 16 & 0x8 != 0)
        rig.setCfg32(1, 0x04, 0)
        #expect(rig.intc.level(4))
    }

    @Test func slotsAreChecked() {
        let rig = PCIRig()
        #expect(throws: PCIError.slotTaken(device: 0, function: 0)) { try rig.bridge.attach(ScratchFunction(), at: PCIAddress(device: 0)) }
        #expect(throws: PCIError.invalidSlot(device: 32, function: 0)) { try rig.bridge.attach(ScratchFunction(), at: PCIAddress(device: 32)) }
        #expect(rig.bridge.freeDevice() == 1)
    }

    @Test func configPortsDecodeAddressAndData() throws {
        let rig = PCIRig()
        try rig.bridge.attach(ScratchFunction(), at: PCIAddress(device: 4))
        let ports = Bus(name: "ioport")
        try ports.register(PCIConfigPorts(bridge: rig.bridge), at: PCIConfigPorts.base, size: PCIConfigPorts.size, name: "cf8")
        ports.write(0xCF8, size: 4, value: 0x8000_2000)
        #expect(ports.read(0xCF8, size: 4) == 0x8000_2000)
        #expect(ports.read(0xCFC, size: 4) == 0x5678_1234)
        #expect(ports.read(0xCFE, size: 2) == 0x5678)
        #expect(ports.read(0xCFD, size: 1) == 0x12)
        ports.write(0xCF8, size: 4, value: 0x8000_203C)
        ports.write(0xCFC, size: 1, value: 11)
        #expect(rig.bus.read(rig.ecam(4, 0x3C), size: 1) == 11)
        // Enable bit clear: the data port reads all ones.
        ports.write(0xCF8, size: 4, value: 0x0000_2000)
        #expect(ports.read(0xCFC, size: 4) == 0xFFFF_FFFF)
        // Crossing the data port's end.
        ports.write(0xCF8, size: 4, value: 0x8000_2000)
        #expect(ports.read(0xCFE, size: 4) == 0xFFFF_FFFF)
    }
}
