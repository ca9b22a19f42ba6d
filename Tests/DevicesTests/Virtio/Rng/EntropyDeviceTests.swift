import Devices
import Machine
import Testing
import Virtio
import VirtioDriver

@Suite struct EntropyDeviceTests {
    @Test(arguments: RingVariant.all)
    func fillsWritableBuffersWithRandomBytes(variant: RingVariant) throws {
        let h = try RingVariantHarness(device: EntropyDevice(), variant: variant)
        #expect(h.device.deviceID == .entropy)
        // Several requests in flight, two buffers each.
        var buffers: [[GuestBuffer]] = []
        for token in 0..<8 {
            let a = GuestBuffer(address: try h.allocate(64), length: 64, deviceWritable: true)
            let b = GuestBuffer(address: try h.allocate(100), length: 100, deviceWritable: true)
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
        #expect(h.interrupts.used(queue: 0) > 0)
    }

    @Test(arguments: RingVariant.all)
    func readableBuffersAreLeftAlone(variant: RingVariant) throws {
        let h = try RingVariantHarness(device: EntropyDevice(), variant: variant)
        let readable = GuestBuffer(address: try h.allocate(32), length: 32, deviceWritable: false)
        let used = try h.roundTrip([readable])
        #expect(used.length == 0)
        #expect(try h.memory.bytes(at: readable.address, count: 32).allSatisfy { $0 == 0 })
        let writable = GuestBuffer(address: try h.allocate(16), length: 16, deviceWritable: true)
        #expect(try h.roundTrip([readable, writable], token: 2).length == 16)
    }

    @Test func resetStopsAndReactivationWorks() throws {
        let device = EntropyDevice()
        do {
            let h = try RingVariantHarness(device: device, variant: RingVariant.all[0])
            _ = try h.roundTrip([GuestBuffer(address: try h.allocate(8), length: 8, deviceWritable: true)])
            h.reset()
        }
        let h = try RingVariantHarness(device: device, variant: RingVariant.all[7])
        #expect(try h.roundTrip([GuestBuffer(address: try h.allocate(8), length: 8, deviceWritable: true)]).length == 8)
    }
}
