#if os(Linux)
import Devices
import Foundation
import Machine
import VirtioDriver

/// T-message builders for every operation the tests use.
enum T {
    static func version(msize: UInt32, _ version: String = "9P2000.L") -> TMessage {
        var m = TMessage(.tversion, tag: NineP.noTag); m.u32(msize); m.string(version); return m
    }
    static func attach(fid: UInt32, afid: UInt32 = NineP.noFid) -> TMessage {
        var m = TMessage(.tattach); m.u32(fid); m.u32(afid); m.string("root"); m.string(""); m.u32(0); return m
    }
    static func walk(fid: UInt32, newfid: UInt32, _ names: [String]) -> TMessage {
        var m = TMessage(.twalk); m.u32(fid); m.u32(newfid); m.u16(UInt16(names.count))
        for n in names { m.string(n) }
        return m
    }
    static func lopen(fid: UInt32, flags: UInt32) -> TMessage {
        var m = TMessage(.tlopen); m.u32(fid); m.u32(flags); return m
    }
    static func lcreate(fid: UInt32, _ name: String, flags: UInt32 = 2, mode: UInt32 = 0o644) -> TMessage {
        var m = TMessage(.tlcreate); m.u32(fid); m.string(name); m.u32(flags); m.u32(mode); m.u32(0); return m
    }
    static func read(fid: UInt32, offset: UInt64, count: UInt32) -> TMessage {
        var m = TMessage(.tread); m.u32(fid); m.u64(offset); m.u32(count); return m
    }
    static func write(fid: UInt32, offset: UInt64, _ data: [UInt8]) -> TMessage {
        var m = TMessage(.twrite); m.u32(fid); m.u64(offset); m.u32(UInt32(data.count)); m.data(data); return m
    }
    static func readdir(fid: UInt32, offset: UInt64, count: UInt32) -> TMessage {
        var m = TMessage(.treaddir); m.u32(fid); m.u64(offset); m.u32(count); return m
    }
    static func mkdir(dfid: UInt32, _ name: String, mode: UInt32 = 0o755) -> TMessage {
        var m = TMessage(.tmkdir); m.u32(dfid); m.string(name); m.u32(mode); m.u32(0); return m
    }
    static func mknod(dfid: UInt32, _ name: String) -> TMessage {
        var m = TMessage(.tmknod); m.u32(dfid); m.string(name); m.u32(0o10644); m.u32(0); m.u32(0); m.u32(0); return m
    }
    static func symlink(dfid: UInt32, _ name: String, target: String) -> TMessage {
        var m = TMessage(.tsymlink); m.u32(dfid); m.string(name); m.string(target); m.u32(0); return m
    }
    static func link(dfid: UInt32, fid: UInt32, _ name: String) -> TMessage {
        var m = TMessage(.tlink); m.u32(dfid); m.u32(fid); m.string(name); return m
    }
    static func unlinkat(dfid: UInt32, _ name: String, flags: UInt32 = 0) -> TMessage {
        var m = TMessage(.tunlinkat); m.u32(dfid); m.string(name); m.u32(flags); return m
    }
    static func renameat(_ olddir: UInt32, _ oldname: String, _ newdir: UInt32, _ newname: String) -> TMessage {
        var m = TMessage(.trenameat); m.u32(olddir); m.string(oldname); m.u32(newdir); m.string(newname); return m
    }
    static func rename(fid: UInt32, dfid: UInt32, _ name: String) -> TMessage {
        var m = TMessage(.trename); m.u32(fid); m.u32(dfid); m.string(name); return m
    }
    static func readlink(fid: UInt32) -> TMessage { var m = TMessage(.treadlink); m.u32(fid); return m }
    static func getattr(fid: UInt32) -> TMessage { var m = TMessage(.tgetattr); m.u32(fid); m.u64(0x3FFF); return m }
    static func setattr(fid: UInt32, valid: UInt32, mode: UInt32 = 0, size: UInt64 = 0,
                        mtime: UInt64 = 0) -> TMessage {
        var m = TMessage(.tsetattr); m.u32(fid); m.u32(valid); m.u32(mode); m.u32(0); m.u32(0); m.u64(size)
        m.u64(0); m.u64(0); m.u64(mtime); m.u64(0)
        return m
    }
    static func statfs(fid: UInt32) -> TMessage { var m = TMessage(.tstatfs); m.u32(fid); return m }
    static func fsync(fid: UInt32) -> TMessage { var m = TMessage(.tfsync); m.u32(fid); m.u32(0); return m }
    static func lock(fid: UInt32, type: UInt8, start: UInt64 = 0, length: UInt64 = 0) -> TMessage {
        var m = TMessage(.tlock); m.u32(fid); m.u8(type); m.u32(0); m.u64(start); m.u64(length); m.u32(42); m.string("guest")
        return m
    }
    static func getlock(fid: UInt32, type: UInt8) -> TMessage {
        var m = TMessage(.tgetlock); m.u32(fid); m.u8(type); m.u64(0); m.u64(0); m.u32(7); m.string("guest"); return m
    }
    static func xattrwalk(fid: UInt32, newfid: UInt32) -> TMessage {
        var m = TMessage(.txattrwalk); m.u32(fid); m.u32(newfid); m.string("user.x"); return m
    }
    static func flush(_ oldtag: UInt16) -> TMessage { var m = TMessage(.tflush); m.u16(oldtag); return m }
    static func clunk(fid: UInt32) -> TMessage { var m = TMessage(.tclunk); m.u32(fid); return m }
    static func remove(fid: UInt32) -> TMessage { var m = TMessage(.tremove); m.u32(fid); return m }
}

/// A temporary host tree: `share/` (served) beside `outside/` with a canary file the guest
/// must never read or change.
final class ShareFixture {
    let base: String
    var share: String { base + "/share" }
    var outside: String { base + "/outside" }
    var canary: String { outside + "/canary" }
    static let canaryText = Array("host secret, not for the guest\n".utf8)
    static let helloText = Array("hello, 9p\n".utf8)

    init() throws {
        base = FileManager.default.temporaryDirectory.path + "/xemu-9p-" + UUID().uuidString
        let fm = FileManager.default
        try fm.createDirectory(atPath: share + "/sub/deeper", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data(Self.canaryText).write(to: URL(fileURLWithPath: canary))
        try Data(Self.helloText).write(to: URL(fileURLWithPath: share + "/hello.txt"))
        // Settle the canary's access time (relatime updates it on the first read after a write).
        _ = try canaryFingerprint()
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }

    /// Contents, size, mode and times of the canary: equal before and after means untouched.
    func canaryFingerprint() throws -> [UInt64] {
        var s = stat()
        guard lstat(canary, &s) == 0 else { throw CocoaError(.fileNoSuchFile) }
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: canary)))
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return [hash, UInt64(s.st_size), UInt64(s.st_mode), UInt64(s.st_mtim.tv_sec), UInt64(s.st_mtim.tv_nsec),
                UInt64(s.st_ctim.tv_sec), UInt64(s.st_ctim.tv_nsec), UInt64(s.st_atim.tv_sec), UInt64(s.st_atim.tv_nsec)]
    }

    func contents(_ relative: String) -> [UInt8]? {
        (try? Data(contentsOf: URL(fileURLWithPath: share + "/" + relative))).map { [UInt8]($0) }
    }

    func exists(_ relative: String) -> Bool {
        var s = stat()
        return lstat(share + "/" + relative, &s) == 0
    }
}

/// A guest's 9P client over the device harness: one request per chain, fid 0 the root.
final class NinePClient {
    let fixture: ShareFixture
    let device: NinePDevice
    let harness: TransportHarness<NinePDevice>
    /// The msize negotiated; each chain offers this much room for the reply.
    private(set) var msize: Int
    /// Buffers per direction in each chain (1 = one readable and one writable buffer).
    var segments = 1

    init(_ transport: HarnessVariant, readOnly: Bool = false, msize: UInt32 = 65536,
         maxMessageSize: Int = 512 * 1024, maxFids: Int = 8192, maxOpenDirectories: Int = 1024, fixture: ShareFixture? = nil) throws {
        self.fixture = try fixture ?? ShareFixture()
        var share = ShareConfiguration(hostPath: self.fixture.share, tag: "hostshare")
        share.readOnly = readOnly
        device = try NinePDevice(share: share, maxMessageSize: maxMessageSize, maxFids: maxFids,
                                 maxOpenDirectories: maxOpenDirectories)
        harness = try TransportHarness(device: device, variant: transport)
        segments = transport.indirect ? 3 : 1
        self.msize = 8192
        var reply = try ok(T.version(msize: msize))
        self.msize = Int(try reply.u32())
        _ = try ok(T.attach(fid: 0))
    }

    /// Sends one T-message; returns the R-message. `room` overrides the writable size.
    func rpc(_ t: TMessage, room: Int? = nil) throws -> RMessage {
        let out = try harness.transact(t.encoded, room: room ?? msize, segments: segments)
        return try RMessage(out)
    }

    /// Sends `t` and expects its normal reply.
    func ok(_ t: TMessage, room: Int? = nil) throws -> RMessage {
        let r = try rpc(t, room: room)
        guard r.type == t.encoded[4] + 1 else { throw CodecError.unexpected(type: r.type, errno: r.errno) }
        return r
    }

    /// Sends `t` and returns the errno of its Rlerror (nil if it succeeded).
    func errno(_ t: TMessage) throws -> UInt32? {
        try rpc(t).errno
    }

    // Conveniences for the operations most tests use.

    @discardableResult
    func walk(_ fid: UInt32, _ newfid: UInt32, _ names: [String]) throws -> [NinePQid] {
        var r = try ok(T.walk(fid: fid, newfid: newfid, names))
        return try (0..<Int(r.u16())).map { _ in try r.qid() }
    }

    func open(_ fid: UInt32, _ path: [String], flags: UInt32 = 0) throws {
        try walk(0, fid, path)
        _ = try ok(T.lopen(fid: fid, flags: flags))
    }

    func read(_ fid: UInt32, offset: UInt64 = 0, count: UInt32 = 4096) throws -> [UInt8] {
        var r = try ok(T.read(fid: fid, offset: offset, count: count))
        return try r.bytes(Int(r.u32()))
    }

    func readFile(_ path: [String], fid: UInt32 = 90) throws -> [UInt8] {
        try open(fid, path)
        defer { _ = try? ok(T.clunk(fid: fid)) }
        return try read(fid)
    }

    struct Entry { var qid: NinePQid; var offset: UInt64; var type: UInt8; var name: String }

    func readdir(_ fid: UInt32, offset: UInt64 = 0, count: UInt32 = 8192) throws -> [Entry] {
        var r = try ok(T.readdir(fid: fid, offset: offset, count: count))
        let length = Int(try r.u32())
        var entries: [Entry] = []
        var consumed = 0
        while consumed < length {
            let e = Entry(qid: try r.qid(), offset: try r.u64(), type: try r.u8(), name: try r.string())
            consumed += 13 + 8 + 1 + 2 + e.name.utf8.count
            entries.append(e)
        }
        guard r.atEnd else { throw CodecError.short }
        return entries
    }

    /// Every name in the directory fid, following readdir offsets to the end.
    func listAll(_ fid: UInt32, count: UInt32 = 8192) throws -> [String] {
        var names: [String] = [], offset: UInt64 = 0
        for _ in 0..<10_000 {
            let batch = try readdir(fid, offset: offset, count: count)
            guard let last = batch.last else { return names }
            names += batch.map(\.name)
            offset = last.offset
        }
        throw CodecError.short
    }

    /// Rgetattr's mode and size.
    func getattr(_ fid: UInt32) throws -> (mode: UInt32, size: UInt64, qid: NinePQid, mtime: UInt64) {
        var r = try ok(T.getattr(fid: fid))
        _ = try r.u64()
        let qid = try r.qid()
        let mode = try r.u32()
        _ = try r.u32(); _ = try r.u32(); _ = try r.u64(); _ = try r.u64()
        let size = try r.u64()
        _ = try r.u64(); _ = try r.u64(); _ = try r.u64(); _ = try r.u64()
        let mtime = try r.u64()
        return (mode, size, qid, mtime)
    }
}

extension NinePQid {
    var isDirectory: Bool { type == NineP.qidDirectory }
}

/// One 9P exchange on the request queue: a chain with the T-message in `segments` readable
/// buffers and `room` bytes of writable buffers cut the same way.
extension TransportHarness {
    func transact(_ request: [UInt8], room: Int, segments: Int = 1) throws -> [UInt8] {
        var buffers: [GuestBuffer] = []
        for part in Self.split(request.count, into: segments) {
            let address = allocate(part.count)
            try memory.write(Array(request[part]), at: address)
            buffers.append(GuestBuffer(address: address, length: UInt32(part.count), deviceWritable: false))
        }
        for part in Self.split(room, into: segments) {
            let address = allocate(part.count)
            try memory.write([UInt8](repeating: 0, count: part.count), at: address)
            buffers.append(GuestBuffer(address: address, length: UInt32(part.count), deviceWritable: true))
        }
        guard let token = add(queue: 0, buffers) else { throw NinePHarnessError.ringFull }
        guard let used = nextUsed(queue: 0, timeout: 10) else { throw NinePHarnessError.timeout }
        guard used.token == token else { throw NinePHarnessError.wrongToken }
        let out = try written(used)
        guard out.count == Int(used.length) else { throw NinePHarnessError.lengthPastBuffers }
        return out
    }

    private static func split(_ count: Int, into parts: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let step = (count + max(1, min(parts, count)) - 1) / max(1, min(parts, count))
        return stride(from: 0, to: count, by: step).map { $0..<min($0 + step, count) }
    }
}

enum NinePHarnessError: Error {
    case ringFull, timeout, wrongToken, lengthPastBuffers
}
#endif
