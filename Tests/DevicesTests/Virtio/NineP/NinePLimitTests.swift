#if os(Linux)
import Devices
import Foundation
import Machine
import Testing
import Virtio
import VirtioDriver

/// A read-only share, msize and buffer bounds, the fid limit, hostile messages and chains,
/// config space and reset.
@Suite struct NinePLimitTests {
    static let formats = HarnessVariant.basic

    @Test(arguments: HarnessVariant.all)
    func readOnlyShareRefusesEveryChange(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport, readOnly: true)
        let erofs = UInt32(EROFS)
        #expect(try c.readFile(["hello.txt"]) == ShareFixture.helloText)
        try c.walk(0, 1, [])
        #expect(try c.errno(T.lcreate(fid: 1, "new")) == erofs)
        try c.walk(0, 2, ["hello.txt"])
        #expect(try c.errno(T.lopen(fid: 2, flags: 1)) == erofs)
        #expect(try c.errno(T.lopen(fid: 2, flags: 2)) == erofs)
        #expect(try c.errno(T.lopen(fid: 2, flags: 0o1000)) == erofs)
        _ = try c.ok(T.lopen(fid: 2, flags: 0))
        #expect(try c.errno(T.write(fid: 2, offset: 0, [1, 2])) == erofs)
        #expect(try c.errno(T.mkdir(dfid: 0, "d")) == erofs)
        #expect(try c.errno(T.mknod(dfid: 0, "n")) == erofs)
        #expect(try c.errno(T.symlink(dfid: 0, "s", target: "hello.txt")) == erofs)
        #expect(try c.errno(T.link(dfid: 0, fid: 2, "l")) == erofs)
        #expect(try c.errno(T.unlinkat(dfid: 0, "hello.txt")) == erofs)
        #expect(try c.errno(T.renameat(0, "hello.txt", 0, "x")) == erofs)
        #expect(try c.errno(T.rename(fid: 2, dfid: 0, "x")) == erofs)
        #expect(try c.errno(T.setattr(fid: 2, valid: NineP.setattrSize, size: 0)) == erofs)
        #expect(try c.errno(T.setattr(fid: 2, valid: NineP.setattrMode, mode: 0o777)) == erofs)
        try c.walk(0, 3, ["sub"])
        #expect(try c.errno(T.remove(fid: 3)) == erofs)
        #expect(c.fixture.contents("hello.txt") == ShareFixture.helloText)
        #expect(try FileManager.default.contentsOfDirectory(atPath: c.fixture.share).sorted() == ["hello.txt", "sub"])
    }

    @Test(arguments: formats)
    func msizeBoundsReadsAndReaddir(_ transport: HarnessVariant) throws {
        let fixture = try ShareFixture()
        let big = (0..<20000).map { UInt8(truncatingIfNeeded: $0 * 31) }
        try Data(big).write(to: URL(fileURLWithPath: fixture.share + "/big"))
        for i in 0..<200 {
            #expect(FileManager.default.createFile(atPath: fixture.share + "/sub/a-rather-long-file-name-\(i)", contents: nil))
        }
        let c = try NinePClient(transport, msize: 4096, fixture: fixture)
        #expect(c.msize == 4096)
        try c.open(1, ["big"])
        var r = try c.rpc(T.read(fid: 1, offset: 0, count: 100_000), room: 65536)
        let n = Int(try r.u32())
        #expect(n == 4096 - 11)
        #expect(try r.bytes(n) == Array(big[0..<n]))
        // Reassemble the file in msize-bounded reads.
        var whole: [UInt8] = []
        while whole.count < big.count {
            let part = try c.read(1, offset: UInt64(whole.count), count: 100_000)
            #expect(part.count <= 4096 - 11 && !part.isEmpty)
            whole += part
        }
        #expect(whole == big)
        try c.open(2, ["sub"])
        var d = try c.rpc(T.readdir(fid: 2, offset: 0, count: 1 << 20), room: 65536)
        #expect(d.body.count + 7 <= 4096)
        #expect(Int(try d.u32()) + 11 <= 4096)
        let names = try c.listAll(2, count: 1 << 20)
        #expect(names.count == 203 && Set(names).count == 203)
        // A T-message longer than msize is refused.
        try c.walk(0, 3, [])
        _ = try c.ok(T.lcreate(fid: 3, "w"))
        #expect(try c.errno(T.write(fid: 3, offset: 0, [UInt8](repeating: 1, count: 5000))) == UInt32(EMSGSIZE))
        #expect(try c.errno(T.version(msize: 100)) == UInt32(EINVAL))
    }

    @Test(arguments: formats)
    func repliesFitTheDriversBuffers(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        try c.open(1, ["hello.txt"])
        var r = try c.rpc(T.read(fid: 1, offset: 0, count: 4096), room: 15)
        #expect(try r.u32() == 4)
        #expect(try r.bytes(4) == Array("hell".utf8))
        // Too little room for the reply: Rlerror, and for not even that, nothing.
        #expect(try c.rpc(T.getattr(fid: 1), room: 40).errno == UInt32(EMSGSIZE))
        let nothing = try c.harness.transact(T.getattr(fid: 1).encoded, room: 8)
        #expect(nothing.isEmpty)
        #expect(try c.getattr(1).size == 10)
    }

    @Test(arguments: formats)
    func fidsAreBounded(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport, maxFids: 16)
        for fid in UInt32(1)..<16 { try c.walk(0, fid, ["sub"]) }
        #expect(c.device.fidCount == 16)
        #expect(try c.errno(T.walk(fid: 0, newfid: 100, [])) == UInt32(EMFILE))
        #expect(try c.errno(T.attach(fid: 101)) == UInt32(EMFILE))
        #expect(c.device.fidCount == 16)
        _ = try c.ok(T.clunk(fid: 5))
        try c.walk(0, 100, [])
        // Open directories have their own, smaller bound.
        let d = try NinePClient(transport, maxOpenDirectories: 3)
        for fid in UInt32(1)...3 { try d.open(fid, ["sub"]) }
        try d.walk(0, 4, ["sub"])
        #expect(try d.errno(T.lopen(fid: 4, flags: 0)) == UInt32(EMFILE))
        #expect(try d.errno(T.lopen(fid: 0, flags: 0)) == UInt32(EMFILE))
        _ = try d.ok(T.clunk(fid: 2))
        _ = try d.ok(T.lopen(fid: 4, flags: 0))
        // Tversion starts a new session with no fids.
        _ = try c.ok(T.version(msize: 8192))
        #expect(c.device.fidCount == 0)
    }

    @Test func malformedMessagesAreAnsweredNotTrapped() throws {
        let fixture = try ShareFixture()
        let server = try NinePServer(path: fixture.share, readOnly: false, maxMessageSize: 8192)
        let response = UnsafeMutableRawBufferPointer.allocate(byteCount: 8192, alignment: 8)
        defer { response.deallocate() }
        func send(_ bytes: [UInt8]) -> RMessage? {
            let n = bytes.withUnsafeBytes { server.handle(request: $0, response: response) }
            return n == 0 ? nil : try? RMessage(Array(response[0..<n]))
        }
        #expect(send(T.attach(fid: 0).encoded)?.errno == UInt32(EPROTO))
        #expect(send(T.version(msize: 8192).encoded)?.type == 101)
        #expect(send(T.attach(fid: 0).encoded)?.type == 105)
        // Every truncation of every kind of message, with its size field corrected.
        let samples = [T.walk(fid: 0, newfid: 1, ["sub", "deeper"]), T.lcreate(fid: 0, "x"),
                       T.write(fid: 0, offset: 0, [1, 2, 3]), T.renameat(0, "a", 0, "b"),
                       T.setattr(fid: 0, valid: 0), T.lock(fid: 0, type: 0), T.symlink(dfid: 0, "a", target: "b")]
        for sample in samples {
            let full = sample.encoded
            for cut in 7..<full.count {
                var m = Array(full[0..<cut])
                m[0] = UInt8(cut)
                #expect(send(m)?.errno == UInt32(EINVAL))
            }
        }
        // Lying size fields and unknown types.
        #expect(send([0xFF, 0xFF, 0, 0, 110, 1, 0])?.errno == UInt32(EINVAL))
        #expect(send([3, 0, 0, 0, 110, 1, 0])?.errno == UInt32(EINVAL))
        #expect(send([7, 0, 0, 0, 200, 1, 0])?.errno == UInt32(EOPNOTSUPP))
        #expect(send([1, 2, 3]) != nil)
        // Random bytes with a plausible header never trap, and the root fid survives.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var m = (0..<Int.random(in: 7..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            m[0] = UInt8(m.count)
            m[1] = 0; m[2] = 0; m[3] = 0
            m[4] = [8, 12, 14, 16, 18, 20, 22, 24, 26, 30, 32, 40, 50, 52, 54, 70, 72, 74, 76, 110, 116, 118, 122].randomElement(using: &rng)!
            _ = send(m)
        }
        #expect(send(T.version(msize: 8192).encoded)?.type == 101)
    }

    @Test(arguments: formats)
    func hostileChainsCompleteEmpty(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        let h = c.harness
        // Only writable room, no T-message.
        let t1 = try #require(h.addWritable(queue: 0, lengths: [64]))
        #expect(h.nextUsed(queue: 0) == UsedBuffer(token: t1, length: 0))
        // A T-message and no room for the reply.
        let t2 = try #require(try h.addReadable(queue: 0, T.getattr(fid: 0).encoded, cuts: [3]))
        #expect(h.nextUsed(queue: 0) == UsedBuffer(token: t2, length: 0))
        // A readable buffer after a writable one: a chain error, completed empty.
        let message = T.getattr(fid: 0).encoded
        let reply = h.allocate(256), request = h.allocate(message.count)
        try h.memory.write(message, at: request)
        let t3 = try #require(h.add(queue: 0, [GuestBuffer(address: reply, length: 256, deviceWritable: true),
                                               GuestBuffer(address: request, length: UInt32(message.count), deviceWritable: false)]))
        #expect(h.nextUsed(queue: 0) == UsedBuffer(token: t3, length: 0))
        #expect(try c.getattr(0).qid.isDirectory)
        #expect(!h.needsReset)
    }

    @Test(arguments: formats.filter { !$0.packed })
    func brokenRingAsksForReset(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        let h = c.harness
        // The available index jumps more than a queue size ahead of what the device saw.
        try h.memory.write(UInt16(1000), at: h.drivers[0].layout.driverArea + 2)
        h.kick(0)
        #expect(h.waitNeedsReset())
        h.kick(0)
        #expect(c.device.fidCount == 1)
        #expect(h.needsReset)
        #expect(h.configInterrupts == 1)
    }

    @Test func configSpaceHoldsTheTag() throws {
        let fixture = try ShareFixture()
        let device = try NinePDevice(share: ShareConfiguration(hostPath: fixture.share, tag: "hostshare"))
        #expect(device.deviceID == .ninePTransport)
        #expect(device.deviceFeatures & NinePDevice.mountTagFeature != 0)
        #expect(device.configSize == 11)
        #expect(device.readConfig(offset: 0, size: 2) == 9)
        let tag = (0..<9).map { UInt8(device.readConfig(offset: 2 + $0, size: 1)) }
        #expect(tag == Array("hostshare".utf8))
        #expect(device.readConfig(offset: 2, size: 4) == 0x7473_6F68)
        #expect(throws: NinePDeviceError.self) {
            try NinePDevice(share: ShareConfiguration(hostPath: fixture.share + "/hello.txt", tag: "x"))
        }
        #expect(throws: NinePDeviceError.badTag("")) {
            try NinePDevice(share: ShareConfiguration(hostPath: fixture.share, tag: ""))
        }
    }

    @Test(arguments: formats)
    func resetClosesTheSession(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        try c.open(1, ["hello.txt"])
        #expect(c.device.fidCount == 2)
        c.harness.reset()
        #expect(c.device.fidCount == 0)
        // The same device works again after a new activation.
        let again = try TransportHarness(device: c.device, variant: transport)
        let reply = try RMessage(try again.transact(T.version(msize: 8192).encoded, room: 8192))
        #expect(reply.type == 101)
    }
}
#endif
