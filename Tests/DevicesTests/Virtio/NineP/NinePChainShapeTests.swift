#if os(Linux)
import Devices
import Foundation
import Machine
import Testing
import Virtio
import VirtioDriver

/// Chains shaped as Linux's 9p virtio transport builds them, and many requests in flight.
@Suite struct NinePChainShapeTests {
    /// Linux's zero-copy read puts an 11-byte header buffer before the user's pages, and its
    /// zero-copy write puts the data pages after the T-message header.
    @Test(arguments: HarnessVariant.all)
    func zeroCopyShapedChains(_ options: HarnessVariant) throws {
        let fixture = try ShareFixture()
        let content = (0..<9000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        try Data(content).write(to: URL(fileURLWithPath: fixture.share + "/data"))
        let c = try NinePClient(options, fixture: fixture)
        let h = c.harness
        try c.open(1, ["data"], flags: 2)

        let read = T.read(fid: 1, offset: 100, count: 8192).encoded
        let header = h.allocate(11), page1 = h.allocate(4096), page2 = h.allocate(4096)
        let request = h.allocate(read.count)
        try h.memory.write(read, at: request)
        let token = try #require(h.add(queue: 0, [
            GuestBuffer(address: request, length: UInt32(read.count), deviceWritable: false),
            GuestBuffer(address: header, length: 11, deviceWritable: true),
            GuestBuffer(address: page1, length: 4096, deviceWritable: true),
            GuestBuffer(address: page2, length: 4096, deviceWritable: true),
        ]))
        let used = try #require(h.nextUsed(queue: 0))
        #expect(used == UsedBuffer(token: token, length: 11 + 8192))
        var r = try RMessage(try h.written(used))
        #expect(try r.u32() == 8192)
        #expect(try r.bytes(8192) == Array(content[100..<8292]))

        var write = T.write(fid: 1, offset: 0, [UInt8](repeating: 0xAB, count: 5000)).encoded
        let data = Array(write[23...])
        write.removeSubrange(23...)
        let wHeader = h.allocate(23), wData = h.allocate(data.count), reply = h.allocate(11)
        try h.memory.write(write, at: wHeader)
        try h.memory.write(data, at: wData)
        let wToken = try #require(h.add(queue: 0, [
            GuestBuffer(address: wHeader, length: 23, deviceWritable: false),
            GuestBuffer(address: wData, length: UInt32(data.count), deviceWritable: false),
            GuestBuffer(address: reply, length: 11, deviceWritable: true),
        ]))
        let wUsed = try #require(h.nextUsed(queue: 0))
        #expect(wUsed.token == wToken)
        var w = try RMessage(try h.written(wUsed))
        #expect(try w.u32() == 5000)
        #expect(fixture.contents("data").map { Array($0[0..<5000]) } == [UInt8](repeating: 0xAB, count: 5000))
    }

    /// A hundred requests added before any is answered: each comes back once, with its tag.
    @Test(arguments: HarnessVariant.all.filter(\.indirect))
    func manyRequestsInFlight(_ options: HarnessVariant) throws {
        let fixture = try ShareFixture()
        let device = try NinePDevice(share: ShareConfiguration(hostPath: fixture.share, tag: "t"))
        let h = try TransportHarness(device: device, variant: options, queueSize: 128)
        _ = try RMessage(try h.transact(T.version(msize: 8192).encoded, room: 8192))
        _ = try RMessage(try h.transact(T.attach(fid: 0).encoded, room: 8192))
        var tagOfToken: [UInt32: UInt16] = [:]
        for tag in UInt16(1)...100 {
            var m = TMessage(.tgetattr, tag: tag)
            m.u32(0)
            m.u64(0x7FF)
            let bytes = m.encoded
            let request = h.allocate(bytes.count), reply = h.allocate(256)
            try h.memory.write(bytes, at: request)
            let token = try #require(h.add(queue: 0, [
                GuestBuffer(address: request, length: UInt32(bytes.count), deviceWritable: false),
                GuestBuffer(address: reply, length: 256, deviceWritable: true),
            ]))
            tagOfToken[token] = tag
        }
        var seen = Set<UInt32>()
        for _ in 0..<100 {
            let used = try #require(h.nextUsed(queue: 0))
            let r = try RMessage(try h.written(used))
            #expect(r.type == 25)
            #expect(r.tag == tagOfToken[used.token])
            seen.insert(used.token)
        }
        #expect(seen.count == 100)
        #expect(h.usedInterrupts(queue: 0) > 0)
        #expect(!h.needsReset)
    }
}
#endif
