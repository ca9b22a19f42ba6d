#if os(Linux)
import Devices
import Foundation
import Testing

/// Attempts to reach host files outside the share: `..`, symlinks out of the share (relative,
/// absolute, to a directory and to a file), renames out, and a directory or file replaced by a
/// symlink between walk and open. The canary outside the share is fingerprinted (contents,
/// size, mode and all three times) before and after: it is never read or changed.
@Suite struct NinePEscapeTests {
    static let matrix = HarnessVariant.all

    /// Runs `body` against a fresh share and checks the canary and the outside directory.
    private func guarded(_ transport: HarnessVariant, _ body: (NinePClient) throws -> Void) throws {
        let fixture = try ShareFixture()
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: fixture.share + "/etc-link", withDestinationPath: "/etc")
        try fm.createSymbolicLink(atPath: fixture.share + "/canary-link", withDestinationPath: "../outside/canary")
        try fm.createSymbolicLink(atPath: fixture.share + "/abs-link", withDestinationPath: fixture.canary)
        try fm.createSymbolicLink(atPath: fixture.share + "/out-dir", withDestinationPath: "../outside")
        let before = try fixture.canaryFingerprint()
        let c = try NinePClient(transport, fixture: fixture)
        try body(c)
        #expect(try fixture.canaryFingerprint() == before)
        #expect(try fm.contentsOfDirectory(atPath: fixture.outside) == ["canary"])
    }

    @Test(arguments: matrix)
    func dotDotStaysAtTheRoot(_ transport: HarnessVariant) throws {
        try guarded(transport) { c in
            let root = try c.getattr(0).qid
            let up = try c.walk(0, 1, ["..", "..", ".."])
            #expect(up.count == 3 && up.allSatisfy { $0 == root })
            // "../outside/canary" resolves to <share>/outside, which does not exist.
            #expect(try c.walk(0, 2, ["..", "outside", "canary"]).count == 1)
            #expect(try c.errno(T.clunk(fid: 2)) == UInt32(EBADF))
            #expect(try c.readFile(["sub", "..", "..", "..", "hello.txt"]) == ShareFixture.helloText)
            try c.walk(0, 3, ["sub", "deeper"])
            #expect(try c.walk(3, 4, ["..", "..", ".."]).last == root)
            // Names with a slash, or dot-dot as a name to create, are refused.
            #expect(try c.errno(T.walk(fid: 0, newfid: 5, ["../outside"])) == UInt32(EINVAL))
            #expect(try c.errno(T.walk(fid: 0, newfid: 5, ["sub/deeper"])) == UInt32(EINVAL))
            #expect(try c.errno(T.mkdir(dfid: 0, "..")) == UInt32(EINVAL))
            #expect(try c.errno(T.lcreate(fid: 1, "../outside/new")) == UInt32(EINVAL))
        }
    }

    @Test(arguments: matrix)
    func symlinksAreNeverFollowed(_ transport: HarnessVariant) throws {
        try guarded(transport) { c in
            // Through a link to /etc: the link is walked as itself and cannot be entered.
            let q = try c.walk(0, 1, ["etc-link", "passwd"])
            #expect(q.count == 1 && q[0].type == NineP.qidSymlink)
            #expect(try c.errno(T.walk(fid: 0, newfid: 1, ["out-dir", "canary"])) == nil)
            #expect(try c.walk(0, 2, ["out-dir", "canary"]).count == 1)
            for link in ["canary-link", "abs-link", "etc-link", "out-dir"] {
                try c.walk(0, 10, [link])
                #expect(try c.errno(T.lopen(fid: 10, flags: 0)) == UInt32(ELOOP))
                #expect(try c.errno(T.lopen(fid: 10, flags: 2)) == UInt32(ELOOP))
                #expect(try c.errno(T.setattr(fid: 10, valid: NineP.setattrSize, size: 0)) == UInt32(EINVAL))
                #expect(try c.errno(T.setattr(fid: 10, valid: NineP.setattrMode, mode: 0o777)) == UInt32(EOPNOTSUPP))
                #expect(try c.errno(T.lcreate(fid: 10, "x")) == UInt32(ENOTDIR))
                #expect(try c.errno(T.readdir(fid: 10, offset: 0, count: 100)) == UInt32(EBADF))
                #expect(try c.errno(T.mkdir(dfid: 10, "x")) == UInt32(ENOTDIR))
                // A hard link to the link makes another link, never a link to the target.
                _ = try c.ok(T.link(dfid: 0, fid: 10, "hard-\(link)"))
                try c.walk(0, 11, ["hard-\(link)"])
                #expect(try c.getattr(11).qid.type == NineP.qidSymlink)
                _ = try c.ok(T.clunk(fid: 10))
                _ = try c.ok(T.clunk(fid: 11))
            }
            // The guest may read the link text (it resolves it in its own namespace).
            try c.walk(0, 12, ["abs-link"])
            var r = try c.ok(T.readlink(fid: 12))
            #expect(try r.string() == c.fixture.canary)
            // Guest-made links to outside targets are stored, and equally never followed.
            _ = try c.ok(T.symlink(dfid: 0, "evil", target: "../outside/created-by-guest"))
            _ = try c.ok(T.symlink(dfid: 0, "evil-abs", target: c.fixture.canary))
            try c.walk(0, 13, [])
            #expect(try c.errno(T.lcreate(fid: 13, "evil")) == UInt32(ELOOP))
            try c.walk(0, 14, [])
            #expect(try c.errno(T.lcreate(fid: 14, "evil-abs", flags: 0o1002)) == UInt32(ELOOP))
            #expect(try c.errno(T.renameat(0, "hello.txt", 0, "out-dir/stolen")) == UInt32(EINVAL))
            try c.walk(0, 15, ["out-dir"])
            #expect(try c.errno(T.renameat(0, "hello.txt", 15, "stolen")) == UInt32(ENOTDIR))
            #expect(try c.errno(T.unlinkat(dfid: 15, "canary")) == UInt32(ENOTDIR))
        }
    }

    @Test(arguments: matrix)
    func renamesCannotLeave(_ transport: HarnessVariant) throws {
        try guarded(transport) { c in
            #expect(try c.errno(T.renameat(0, "hello.txt", 0, "../outside/hello")) == UInt32(EINVAL))
            #expect(try c.errno(T.renameat(0, "../outside/canary", 0, "got-it")) == UInt32(EINVAL))
            #expect(try c.errno(T.renameat(0, "hello.txt", 0, "..")) == UInt32(EINVAL))
            try c.walk(0, 1, ["hello.txt"])
            #expect(try c.errno(T.rename(fid: 1, dfid: 0, "../escaped")) == UInt32(EINVAL))
            #expect(try c.errno(T.rename(fid: 0, dfid: 0, "root-moved")) == UInt32(EBUSY))
            #expect(try c.errno(T.link(dfid: 0, fid: 1, "../outside/linked")) == UInt32(EINVAL))
            #expect(try c.errno(T.unlinkat(dfid: 0, "../outside/canary")) == UInt32(EINVAL))
            #expect(c.fixture.contents("hello.txt") == ShareFixture.helloText)
        }
    }

    @Test(arguments: matrix)
    func directoryReplacedBySymlinkAfterWalk(_ transport: HarnessVariant) throws {
        try guarded(transport) { c in
            try c.walk(0, 1, ["sub"])
            try c.walk(0, 2, ["sub", "deeper"])
            try c.walk(0, 3, ["hello.txt"])
            // The host (or another guest process through another path) swaps the objects.
            let share = c.fixture.share
            #expect(Glibc.rename(share + "/sub", share + "/sub-old") == 0)
            #expect(Glibc.symlink(c.fixture.outside, share + "/sub") == 0)
            #expect(Glibc.rename(share + "/hello.txt", share + "/hello-old.txt") == 0)
            #expect(Glibc.symlink(c.fixture.canary, share + "/hello.txt") == 0)
            // Opens go to the inodes found at walk time, not to the new links' targets.
            _ = try c.ok(T.lopen(fid: 1, flags: 0))
            let names = try c.listAll(1)
            #expect(names.contains("deeper") && !names.contains("canary"))
            _ = try c.ok(T.lopen(fid: 3, flags: 2))
            #expect(try c.read(3) == ShareFixture.helloText)
            _ = try c.ok(T.write(fid: 3, offset: 0, Array("HELLO".utf8)))
            // Walks and creates from the held directory stay in it.
            #expect(try c.errno(T.walk(fid: 1, newfid: 4, ["canary"])) == UInt32(ENOENT))
            try c.walk(1, 5, [])
            _ = try c.ok(T.lcreate(fid: 5, "made-after-swap"))
            #expect(c.fixture.exists("sub-old/made-after-swap"))
            // Fresh walks meet the symlink and stop; ".." re-walks from the root and stops too.
            #expect(try c.walk(0, 6, ["sub", "canary"]).count == 1)
            #expect(try c.errno(T.walk(fid: 2, newfid: 7, [".."])) == UInt32(ENOTDIR))
            try c.walk(0, 8, ["hello.txt"])
            #expect(try c.errno(T.lopen(fid: 8, flags: 0)) == UInt32(ELOOP))
        }
    }
}
#endif
