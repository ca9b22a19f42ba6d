import Devices
import Machine
import Synchronization
import Testing
import Virtio
import VirtioDriver
#if canImport(Glibc)
import Glibc
#endif

/// A host side that takes its time over every write, as a slow terminal or a full pipe does.
final class SlowCharBackend: CharBackend, @unchecked Sendable {
    private let state = Mutex<[UInt8]>([])
    var inputAvailable: (@Sendable () -> Void)?
    var output: [UInt8] { state.withLock { $0 } }
    func write(_ bytes: UnsafeRawBufferPointer) {
        usleep(2000)
        state.withLock { $0.append(contentsOf: bytes) }
    }
    func readByte() -> UInt8? { nil }
}

@Suite struct ConsoleDeviceTests {
    static let receive = 0, transmit = 1

    @Test(arguments: HarnessVariant.all)
    func guestOutputReachesTheBackend(variant: HarnessVariant) throws {
        let backend = FakeCharBackend()
        let h = try TransportHarness(device: ConsoleDevice(backend: backend), variant: variant)
        #expect(h.device.deviceID == .console)
        let hello = Array("hello, ".utf8), world = Array("world\n".utf8)
        let a = h.allocate(hello.count), b = h.allocate(world.count)
        try h.memory.write(hello, at: a)
        try h.memory.write(world, at: b)
        let used = try h.roundTrip(queue: Self.transmit, [GuestBuffer(address: a, length: UInt32(hello.count), deviceWritable: false),
                                                          GuestBuffer(address: b, length: UInt32(world.count), deviceWritable: false)])
        #expect(used.length == 0)
        #expect(backend.output == hello + world)
    }

    @Test(arguments: HarnessVariant.basic)
    func slowHostAppliesBackpressureAndLosesNothing(variant: HarnessVariant) throws {
        let backend = SlowCharBackend()
        let h = try TransportHarness(device: ConsoleDevice(backend: backend), variant: variant)
        var expected: [UInt8] = []
        var endOfLine: [Int] = []
        var completed = 0
        // More chains than the ring holds: the driver waits for completions to add more.
        var next = 0
        while completed < 300 {
            while next < 300 {
                let line = Array("line \(next)\n".utf8)
                let address = h.allocate(line.count)
                try h.memory.write(line, at: address)
                guard h.submit(queue: Self.transmit, [GuestBuffer(address: address, length: UInt32(line.count), deviceWritable: false)],
                               token: UInt32(next)) else { break }
                expected += line
                endOfLine.append(expected.count)
                next += 1
            }
            let used = try h.waitUsed(queue: Self.transmit, count: 1)[0]
            completed += 1
            // A chain is completed only once the backend has taken its bytes.
            #expect(backend.output.count >= endOfLine[Int(used.token)])
        }
        #expect(backend.output == expected)
    }

    @Test(arguments: HarnessVariant.all)
    func hostInputFillsReceiveBuffers(variant: HarnessVariant) throws {
        let backend = FakeCharBackend()
        let h = try TransportHarness(device: ConsoleDevice(backend: backend), variant: variant)
        // Input typed before the guest has a buffer waits for one.
        backend.type(Array("abc".utf8))
        usleep(2000)
        let first = GuestBuffer(address: h.allocate(8), length: 8, deviceWritable: true)
        let used = try h.roundTrip(queue: Self.receive, [first])
        #expect(used.length == 3)
        #expect(try h.memory.bytes(at: first.address, count: 3) == Array("abc".utf8))
        // A buffer waiting before the input arrives.
        let second = GuestBuffer(address: h.allocate(4), length: 4, deviceWritable: true)
        #expect(h.submit(queue: Self.receive, [second], token: 2))
        backend.type(Array("xyz12".utf8))
        let got = try h.waitUsed(queue: Self.receive, count: 1)
        #expect(got[0].length == 4)
        #expect(try h.memory.bytes(at: second.address, count: 4) == Array("xyz1".utf8))
        // The rest waits in the device for the next buffer.
        let third = GuestBuffer(address: h.allocate(4), length: 4, deviceWritable: true)
        #expect(try h.roundTrip(queue: Self.receive, [third], token: 3).length == 1)
        #expect(try h.memory.read(UInt8.self, at: third.address) == UInt8(ascii: "2"))
        #expect(h.usedInterrupts(queue: Self.receive) > 0)
    }

    @Test(arguments: HarnessVariant.basic)
    func sizeFeatureAndResize(variant: HarnessVariant) throws {
        let h = try TransportHarness(device: ConsoleDevice(backend: FakeCharBackend(), size: (columns: 132, rows: 43)),
                                     variant: variant)
        #expect(h.features & ConsoleDevice.featureSize != 0)
        #expect(h.readConfig(UInt16.self, at: 0) == 132)
        #expect(h.readConfig(UInt16.self, at: 2) == 43)
        #expect(h.readConfig(UInt32.self, at: 4) == 1)
        h.device.resize(columns: 80, rows: 25)
        #expect(h.readConfig(UInt32.self, at: 0) == 80 | 25 << 16)
        #expect(h.configInterrupts == 1)
        let plain = ConsoleDevice(backend: FakeCharBackend())
        #expect(plain.deviceFeatures & ConsoleDevice.featureSize == 0)
    }

    @Test(arguments: HarnessVariant.all)
    func hostileChainsAreCompletedWithoutOutput(variant: HarnessVariant) throws {
        let backend = FakeCharBackend()
        let h = try TransportHarness(device: ConsoleDevice(backend: backend), variant: variant)
        // Transmit with only device-writable buffers: nothing to send.
        let w = GuestBuffer(address: h.allocate(16), length: 16, deviceWritable: true)
        #expect(try h.roundTrip(queue: Self.transmit, [w]).length == 0)
        #expect(backend.output.isEmpty)
        // Receive with only readable buffers: the input stays for a proper buffer.
        backend.type([0x41])
        let r = GuestBuffer(address: h.allocate(4), length: 4, deviceWritable: false)
        #expect(try h.roundTrip(queue: Self.receive, [r], token: 2).length == 0)
        let good = GuestBuffer(address: h.allocate(4), length: 4, deviceWritable: true)
        #expect(try h.roundTrip(queue: Self.receive, [good], token: 3).length == 1)
        #expect(try h.memory.read(UInt8.self, at: good.address) == 0x41)
    }
}
