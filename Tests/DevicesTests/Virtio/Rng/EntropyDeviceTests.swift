import Devices
import Machine
import Testing
import Virtio
import VirtioDriver

@Suite struct EntropyDeviceTests {
    @Test(arguments: HarnessVariant.all)
    func fillsWritableBuffersWithRandomBytes(variant: HarnessVariant) throws {
        let h = try TransportHarness(device: EntropyDevice(), variant: variant)
        #expect(h.device.deviceID == .entropy)
        // Several requests in flight, two buffers each.
        var buffers: [[GuestBuffer]] = []
        for token in 0..<8 {
            let a = GuestBuffer(address: h.allocate(64), length: 64, deviceWritable: true)
            let b = GuestBuffer(address: h.allocate(100), length: 100, deviceWritable: true)
            buffers.append([a, b])
            #expect(h.submit(queue: 0, [a, b], token: UInt32(token)))
        }
        let used = try h.waitUsed(queue: 0, count: 8)
        #expect(Set(used.map(\.token)) == Set(0..<8))
        #expect(used.allSatisfy { $0.length == 164 })
        var distinct = Set<[UInt8]>()
        for chain in buffers {
            let bytes = try h.memory.bytes(at: chain[0].address, count: 64) + h.memory.bytes(at: chain[1].address, count: 100)
            #expect(bytes.contains { $0 != 0 })
            distinct.insert(bytes)
        }
        #expect(distinct.count == 8)
        #expect(h.usedInterrupts(queue: 0) > 0)
    }

    @Test(arguments: HarnessVariant.all)
    func readableBuffersAreLeftAlone(variant: HarnessVariant) throws {
        let h = try TransportHarness(device: EntropyDevice(), variant: variant)
        let readable = GuestBuffer(address: h.allocate(32), length: 32, deviceWritable: false)
        let used = try h.roundTrip([readable])
        #expect(used.length == 0)
        #expect(try h.memory.bytes(at: readable.address, count: 32).allSatisfy { $0 == 0 })
        let writable = GuestBuffer(address: h.allocate(16), length: 16, deviceWritable: true)
        #expect(try h.roundTrip([readable, writable], token: 2).length == 16)
    }

    @Test(arguments: HarnessVariant.basic)
    func resetStopsAndReactivationWorks(variant: HarnessVariant) throws {
        let device = EntropyDevice()
        do {
            let h = try TransportHarness(device: device, variant: variant)
            _ = try h.roundTrip([GuestBuffer(address: h.allocate(8), length: 8, deviceWritable: true)])
            h.reset()
        }
        let other = HarnessVariant(transport: variant.transport == .pci ? .mmio : .pci, packed: !variant.packed,
                                   eventIndex: true, indirect: true)
        let h = try TransportHarness(device: device, variant: other)
        #expect(try h.roundTrip([GuestBuffer(address: h.allocate(8), length: 8, deviceWritable: true)]).length == 8)
    }
}
