import Foundation
import Synchronization
import Testing
@testable import Machine

/// Reads a whole backend into an array.
func contents(of disk: some BlockBackend) throws -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: Int(disk.capacity))
    try bytes.withUnsafeMutableBytes { try disk.read(into: $0, at: 0) }
    return bytes
}

func randomBytes(_ count: Int, _ rng: inout SplitMix64) -> [UInt8] {
    (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
}

func sha256(_ url: URL) throws -> String {
    try HostTools.run("sha256sum", [url.path]).stdout.split(separator: " ").first.map(String.init) ?? ""
}

/// Plays seeded random writes, reads, write-zeroes and discards against a disk and a plain
/// array, checking every read against the array.
func exerciseAgainstShadow(_ disk: some BlockBackend, shadow: inout [UInt8], seed: UInt64, operations: Int) throws {
    var rng = SplitMix64(seed: seed)
    let capacity = Int(disk.capacity)
    for step in 0..<operations {
        // Lengths up to three clusters, offsets anywhere: most requests straddle a boundary.
        let length = Int.random(in: 1...(3 * 65536 + 100), using: &rng)
        let offset = Int.random(in: 0...(capacity - min(length, capacity)), using: &rng)
        let count = min(length, capacity - offset)
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<4:
            let data = randomBytes(count, &rng)
            try data.withUnsafeBytes { try disk.write($0, at: UInt64(offset)) }
            shadow.replaceSubrange(offset..<offset + count, with: data)
        case 4..<8:
            var data = [UInt8](repeating: 0xEE, count: count)
            try data.withUnsafeMutableBytes { try disk.read(into: $0, at: UInt64(offset)) }
            #expect(data == Array(shadow[offset..<offset + count]), "step \(step): read of \(count) at \(offset)")
        case 8:
            try disk.writeZeroes(at: UInt64(offset), length: UInt64(count))
            shadow.replaceSubrange(offset..<offset + count, with: repeatElement(0, count: count))
        default:
            try disk.discard(at: UInt64(offset), length: UInt64(count))
            shadow.replaceSubrange(offset..<offset + count, with: repeatElement(0, count: count))
        }
    }
    #expect(try contents(of: disk) == shadow)
}

@Suite struct RawFileBackendTests {
    @Test func readsWritesZeroesAndFlushesTheFile() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        var rng = SplitMix64(seed: 1)
        let file = dir.appendingPathComponent("disk.img")
        var shadow = randomBytes((1 << 20) + 1000, &rng)
        try HostTools.write(shadow, to: file)
        let disk = try RawFileBackend(path: file.path, readOnly: false)
        #expect(disk.capacity == UInt64(shadow.count) && !disk.isReadOnly)
        try exerciseAgainstShadow(disk, shadow: &shadow, seed: 2, operations: 300)
        try disk.flush()
        #expect(try HostTools.read(file) == shadow, "the file itself holds the disk")
    }

    @Test func refusesRequestsPastTheEnd() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let file = dir.appendingPathComponent("disk.img")
        try HostTools.write([UInt8](repeating: 1, count: 4096), to: file)
        let disk = try RawFileBackend(path: file.path, readOnly: false)
        var buffer = [UInt8](repeating: 0, count: 512)
        #expect(throws: BlockError.outOfRange(offset: 3585, length: 512, capacity: 4096)) {
            try buffer.withUnsafeMutableBytes { try disk.read(into: $0, at: 3585) }
        }
        #expect(throws: BlockError.outOfRange(offset: .max, length: 512, capacity: 4096)) {
            try buffer.withUnsafeBytes { try disk.write($0, at: .max) }
        }
        #expect(throws: BlockError.self) { try disk.discard(at: 4000, length: 97) }
    }

    @Test func readOnlyRefusesEveryChangeAndLeavesTheFileAlone() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        var rng = SplitMix64(seed: 3)
        let file = dir.appendingPathComponent("ro.img")
        let original = randomBytes(65536, &rng)
        try HostTools.write(original, to: file)
        let disk = try RawFileBackend(path: file.path, readOnly: true)
        #expect(disk.isReadOnly)
        let data = [UInt8](repeating: 0xAA, count: 512)
        #expect(throws: BlockError.readOnly(path: file.path)) { try data.withUnsafeBytes { try disk.write($0, at: 0) } }
        #expect(throws: BlockError.readOnly(path: file.path)) { try disk.writeZeroes(at: 0, length: 512) }
        #expect(throws: BlockError.readOnly(path: file.path)) { try disk.discard(at: 0, length: 512) }
        try disk.flush()
        #expect(try contents(of: disk) == original)
        #expect(try HostTools.read(file) == original)
    }

    @Test func missingOrUnopenableFilesGiveClearErrors() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let missing = dir.appendingPathComponent("missing.img").path
        #expect(throws: BlockError.cannotOpen(path: missing, errno: ENOENT)) { try RawFileBackend(path: missing, readOnly: false) }
        #expect(BlockError.cannotOpen(path: missing, errno: ENOENT).description
                == "\(missing): cannot open disk image: No such file or directory")
        #expect(throws: BlockError.cannotOpen(path: dir.path, errno: EISDIR)) { try RawFileBackend(path: dir.path, readOnly: true) }
        #expect(throws: BlockError.self) { try SnapshotOverlayBackend(path: missing) }
        if geteuid() != 0 {
            let locked = dir.appendingPathComponent("locked.img")
            try HostTools.write([0], to: locked)
            chmod(locked.path, 0o000)
            #expect(throws: BlockError.cannotOpen(path: locked.path, errno: EACCES)) { try RawFileBackend(path: locked.path, readOnly: true) }
        }
    }
}

@Suite struct SnapshotOverlayBackendTests {
    @Test func matchesAShadowModelAndNeverChangesTheBase() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        var rng = SplitMix64(seed: 4)
        let file = dir.appendingPathComponent("base.img")
        // Not a whole number of clusters, so the last cluster is partial.
        let original = randomBytes((2 << 20) + 777, &rng)
        try HostTools.write(original, to: file)
        let before = try sha256(file)
        let disk = try SnapshotOverlayBackend(path: file.path, overlayDirectory: dir.path)
        #expect(disk.capacity == UInt64(original.count) && !disk.isReadOnly)
        var shadow = original
        try exerciseAgainstShadow(disk, shadow: &shadow, seed: 5, operations: 400)
        try disk.flush()
        #expect(shadow != original)
        #expect(try sha256(file) == before)
        #expect(try HostTools.read(file) == original)
        // The overlay was unlinked at once: nothing is left in its directory but the base.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["base.img"])
    }

    @Test func concurrentWritersToSharedClustersAllLand() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        var rng = SplitMix64(seed: 6)
        let file = dir.appendingPathComponent("base.img")
        let original = randomBytes(1 << 20, &rng)
        try HostTools.write(original, to: file)
        let disk = try SnapshotOverlayBackend(path: file.path, overlayDirectory: dir.path)
        // Four threads each own every fourth 512-byte sector, so every cluster is copied in
        // by one of them while the others write into it.
        let threads = 4, sectors = (1 << 20) / 512
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var sector = [UInt8](repeating: UInt8(thread + 1), count: 512)
            for index in stride(from: thread, to: sectors, by: threads) {
                sector[0] = UInt8(truncatingIfNeeded: index)
                do {
                    try sector.withUnsafeBytes { try disk.write($0, at: UInt64(index) * 512) }
                } catch {
                    failures.withLock { $0 += 1 }
                }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        let result = try contents(of: disk)
        for index in 0..<sectors {
            let sector = result[index * 512..<(index + 1) * 512]
            #expect(sector.first == UInt8(truncatingIfNeeded: index) && sector.dropFirst().allSatisfy { $0 == UInt8(index % threads + 1) },
                    "sector \(index)")
            if sector.first != UInt8(truncatingIfNeeded: index) { break }
        }
        #expect(try HostTools.read(file) == original)
    }

    @Test func overlayDirectoryMustBeUsable() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let file = dir.appendingPathComponent("base.img")
        try HostTools.write([UInt8](repeating: 0, count: 4096), to: file)
        let nowhere = dir.appendingPathComponent("no-such-dir").path
        #expect(throws: BlockError.overlayFailed(directory: nowhere, errno: ENOENT)) {
            try SnapshotOverlayBackend(path: file.path, overlayDirectory: nowhere)
        }
    }
}

@Suite struct BlockFileTests {
    @Test func zeroWriteFallbackZeroesExactlyTheRange() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        var rng = SplitMix64(seed: 7)
        let url = dir.appendingPathComponent("disk.img")
        var expected = randomBytes(300_000, &rng)
        try HostTools.write(expected, to: url)
        let file = try BlockFile.open(url.path, writable: true)
        // Longer than one 64 KiB chunk, starting and ending mid-chunk.
        try file.writeZeroes(at: 1_234, length: 200_001)
        expected.replaceSubrange(1_234..<201_235, with: repeatElement(0, count: 200_001))
        #expect(try HostTools.read(url) == expected)
        try file.zero(at: 250_000, length: 10)
        expected.replaceSubrange(250_000..<250_010, with: repeatElement(0, count: 10))
        #expect(try HostTools.read(url) == expected)
    }
}
