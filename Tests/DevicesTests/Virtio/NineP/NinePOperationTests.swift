#if os(Linux)
import Devices
import Foundation
import Testing

/// Every 9P2000.L operation a Linux v9fs mount uses, run through the device under both ring
/// formats, with and without EVENT_IDX and INDIRECT_DESC.
@Suite struct NinePOperationTests {
    static let matrix = HarnessVariant.all

    @Test(arguments: matrix)
    func versionAndAttach(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport, msize: 1 << 30)
        #expect(c.msize == 512 * 1024)
        var r = try c.ok(T.version(msize: 8192, "9P2000.u"))
        #expect(try r.u32() == 8192)
        #expect(try r.string() == "unknown")
        #expect(try c.errno(T.attach(fid: 0)) == UInt32(EPROTO))
        var v = try c.ok(T.version(msize: 16384))
        #expect(try v.u32() == 16384)
        #expect(try v.string() == "9P2000.L")
        var a = try c.ok(T.attach(fid: 7))
        #expect(try a.qid().isDirectory)
        #expect(try c.errno(T.attach(fid: 7)) == UInt32(EBADF))
        #expect(try c.errno(T.attach(fid: 8, afid: 3)) == UInt32(EINVAL))
    }

    @Test(arguments: matrix)
    func walkAndGetattr(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        let qids = try c.walk(0, 1, ["sub", "deeper"])
        #expect(qids.count == 2 && qids.allSatisfy(\.isDirectory))
        try c.walk(0, 2, ["hello.txt"])
        let attr = try c.getattr(2)
        #expect(attr.size == 10)
        #expect(attr.mode & 0o170000 == 0o100000)
        #expect(!attr.qid.isDirectory)
        // A later name failing returns the qids so far and creates no newfid.
        #expect(try c.walk(0, 3, ["sub", "missing"]).count == 1)
        #expect(try c.errno(T.clunk(fid: 3)) == UInt32(EBADF))
        #expect(try c.errno(T.walk(fid: 0, newfid: 3, ["missing"])) == UInt32(ENOENT))
        // Walking through a file, from an unknown fid, onto a used newfid.
        #expect(try c.errno(T.walk(fid: 2, newfid: 4, ["x"])) == UInt32(ENOTDIR))
        #expect(try c.errno(T.walk(fid: 99, newfid: 4, [])) == UInt32(EBADF))
        #expect(try c.errno(T.walk(fid: 0, newfid: 2, [])) == UInt32(EBADF))
        // Clone, and walk a fid onto itself.
        #expect(try c.walk(0, 5, []).isEmpty)
        #expect(try c.walk(5, 5, ["sub"]).count == 1)
        #expect(try c.getattr(5).qid == qids[0])
        #expect(try c.errno(T.walk(fid: 0, newfid: 6, Array(repeating: ".", count: 17))) == UInt32(EINVAL))
    }

    @Test(arguments: matrix)
    func readWriteAndCreate(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        #expect(try c.readFile(["hello.txt"]) == ShareFixture.helloText)
        try c.walk(0, 1, [])
        var r = try c.ok(T.lcreate(fid: 1, "new.txt"))
        #expect(try !r.qid().isDirectory)
        let payload = Array((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var w = try c.ok(T.write(fid: 1, offset: 0, payload))
        #expect(try w.u32() == 3000)
        #expect(try c.read(1, offset: 1000, count: 10) == Array(payload[1000..<1010]))
        _ = try c.ok(T.fsync(fid: 1))
        #expect(c.fixture.contents("new.txt") == payload)
        #expect(try c.errno(T.lcreate(fid: 1, "again")) == UInt32(ENOTDIR))
        // lcreate on an existing name without O_EXCL opens it; with O_EXCL it fails.
        try c.walk(0, 2, [])
        #expect(try c.errno(T.lcreate(fid: 2, "new.txt", flags: 0o302)) == UInt32(EEXIST))
        // Write needs a write-open fid; read needs an open one.
        try c.open(3, ["hello.txt"])
        #expect(try c.errno(T.write(fid: 3, offset: 0, [1])) == UInt32(EBADF))
        try c.walk(0, 4, ["hello.txt"])
        #expect(try c.errno(T.read(fid: 4, offset: 0, count: 1)) == UInt32(EBADF))
        #expect(try c.errno(T.lopen(fid: 3, flags: 0)) == UInt32(EBADF))
        // O_TRUNC through lopen.
        _ = try c.ok(T.lopen(fid: 4, flags: 0o1001))
        #expect(c.fixture.contents("hello.txt") == [])
    }

    @Test(arguments: matrix)
    func readdirListsEverything(_ transport: HarnessVariant) throws {
        let fixture = try ShareFixture()
        for i in 0..<150 {
            #expect(FileManager.default.createFile(atPath: fixture.share + "/sub/file-\(i)", contents: Data([UInt8(i)])))
        }
        let c = try NinePClient(transport, fixture: fixture)
        try c.open(1, ["sub"])
        // Small counts force many Treaddir round trips through the offsets.
        let names = try c.listAll(1, count: 300)
        #expect(names.count == 153)
        #expect(Set(names).count == names.count)
        #expect(Set(names).isSuperset(of: [".", "..", "deeper", "file-0", "file-149"]))
        let first = try c.readdir(1, count: 8192)
        #expect(first.first(where: { $0.name == "deeper" })?.qid.isDirectory == true)
        #expect(try c.errno(T.readdir(fid: 0, offset: 0, count: 100)) == UInt32(EBADF))
        #expect(try c.errno(T.lopen(fid: 1, flags: 0)) == UInt32(EBADF))
        try c.walk(0, 2, ["sub"])
        #expect(try c.errno(T.lopen(fid: 2, flags: 2)) == UInt32(EISDIR))
    }

    @Test(arguments: matrix)
    func namesAddedMovedAndRemoved(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        var m = try c.ok(T.mkdir(dfid: 0, "made"))
        #expect(try m.qid().isDirectory)
        #expect(try c.errno(T.mkdir(dfid: 0, "made")) == UInt32(EEXIST))
        try c.walk(0, 1, ["made"])
        _ = try c.ok(T.renameat(0, "hello.txt", 1, "moved.txt"))
        #expect(c.fixture.contents("made/moved.txt") == ShareFixture.helloText)
        #expect(!c.fixture.exists("hello.txt"))
        // Trename moves the fid's own object; its path follows (remove works afterwards).
        try c.walk(1, 2, ["moved.txt"])
        _ = try c.ok(T.rename(fid: 2, dfid: 0, "back.txt"))
        #expect(c.fixture.exists("back.txt"))
        _ = try c.ok(T.remove(fid: 2))
        #expect(!c.fixture.exists("back.txt"))
        #expect(try c.errno(T.clunk(fid: 2)) == UInt32(EBADF))
        // Renaming a directory keeps fids below it usable.
        _ = try c.ok(T.mkdir(dfid: 1, "inner"))
        try c.walk(1, 3, ["inner"])
        _ = try c.ok(T.renameat(0, "made", 0, "renamed"))
        _ = try c.ok(T.remove(fid: 3))
        #expect(!c.fixture.exists("renamed/inner"))
        _ = try c.ok(T.unlinkat(dfid: 0, "renamed", flags: 0x200))
        #expect(!c.fixture.exists("renamed"))
        #expect(try c.errno(T.unlinkat(dfid: 0, "sub")) == UInt32(EISDIR))
        #expect(try c.errno(T.unlinkat(dfid: 0, "sub", flags: 0x200)) == UInt32(ENOTEMPTY))
        #expect(try c.errno(T.remove(fid: 0)) == UInt32(EBUSY))
    }

    @Test(arguments: matrix)
    func linksAndAttributes(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        var s = try c.ok(T.symlink(dfid: 0, "ln", target: "sub/deeper"))
        #expect(try s.qid().type == NineP.qidSymlink)
        try c.walk(0, 1, ["ln"])
        var r = try c.ok(T.readlink(fid: 1))
        #expect(try r.string() == "sub/deeper")
        try c.walk(0, 2, ["hello.txt"])
        _ = try c.ok(T.link(dfid: 0, fid: 2, "hard.txt"))
        #expect(c.fixture.contents("hard.txt") == ShareFixture.helloText)
        _ = try c.ok(T.setattr(fid: 2, valid: NineP.setattrMode, mode: 0o600))
        #expect(try c.getattr(2).mode & 0o7777 == 0o600)
        _ = try c.ok(T.setattr(fid: 2, valid: NineP.setattrSize, size: 3))
        #expect(c.fixture.contents("hello.txt") == Array("hel".utf8))
        _ = try c.ok(T.setattr(fid: 2, valid: NineP.setattrMTime | NineP.setattrMTimeSet, mtime: 1_000_000))
        #expect(try c.getattr(2).mtime == 1_000_000)
        #expect(try c.errno(T.setattr(fid: 1, valid: NineP.setattrMode, mode: 0o777)) == UInt32(EOPNOTSUPP))
        #expect(try c.errno(T.mknod(dfid: 0, "fifo")) == UInt32(EPERM))
        #expect(try c.errno(T.xattrwalk(fid: 0, newfid: 9)) == UInt32(EOPNOTSUPP))
        var f = try c.ok(T.statfs(fid: 0))
        #expect(try f.u32() == 0x0102_1997)
        #expect(try f.u32() > 0)
    }

    @Test(arguments: matrix)
    func locksFlushAndClunk(_ transport: HarnessVariant) throws {
        let c = try NinePClient(transport)
        try c.open(1, ["hello.txt"], flags: 2)
        try c.open(2, ["hello.txt"], flags: 2)
        var l = try c.ok(T.lock(fid: 1, type: 1))
        #expect(try l.u8() == NineP.lockSuccess)
        // Another fid (another open file description) conflicts and is told BLOCKED.
        var b = try c.ok(T.lock(fid: 2, type: 1))
        #expect(try b.u8() == NineP.lockBlocked)
        var g = try c.ok(T.getlock(fid: 2, type: 1))
        #expect(try g.u8() == 1)
        var u = try c.ok(T.lock(fid: 1, type: NineP.lockUnlocked))
        #expect(try u.u8() == NineP.lockSuccess)
        var g2 = try c.ok(T.getlock(fid: 2, type: 1))
        #expect(try g2.u8() == NineP.lockUnlocked)
        #expect(try c.errno(T.lock(fid: 1, type: 9)) == UInt32(EINVAL))
        _ = try c.ok(T.flush(5))
        _ = try c.ok(T.clunk(fid: 1))
        #expect(try c.errno(T.clunk(fid: 1)) == UInt32(EBADF))
        #expect(c.device.fidCount == 2)
    }
}
#endif
