import Devices
import Foundation
import Machine
import Virtio
import VirtioDriver

/// A temporary disk image in /tmp filled with seeded random bytes, deleted on deinit.
final class TempImage {
    let path: String
    let size: Int

    init(size: Int, seed: UInt64) throws {
        path = NSTemporaryDirectory() + "xemu-blk-test-\(UUID().uuidString).img"
        self.size = size
        var rng = SplitMix64(seed: seed)
        var bytes = [UInt8](repeating: 0, count: size)
        for i in stride(from: 0, to: size, by: 8) {
            let v = rng.next()
            for k in 0..<min(8, size - i) { bytes[i + k] = UInt8(truncatingIfNeeded: v >> (8 * k)) }
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CocoaError(.fileWriteUnknown) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var contents: [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

    /// FNV-1a over the whole file.
    var hash: UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in contents { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }
}


/// virtio-blk wire values, written independently of the device's own constants.
enum Blk {
    static let typeIn: UInt32 = 0, typeOut: UInt32 = 1, typeFlush: UInt32 = 4, typeGetID: UInt32 = 8
    static let typeDiscard: UInt32 = 11, typeWriteZeroes: UInt32 = 13
    static let ok: UInt8 = 0, ioErr: UInt8 = 1, unsupp: UInt8 = 2
}

/// Builds virtio-blk requests in the harness's guest RAM, Linux-style by default (header,
/// data segments, status in its own buffer).
struct BlockRequestBuilder {
    let harness: TransportHarness<BlockDevice<DriveBackend>>
    var memory: GuestMemory { harness.memory }

    func header(type: UInt32, sector: UInt64) throws -> GuestBuffer {
        let a = harness.allocate(16)
        try memory.write(type, at: a)
        try memory.write(UInt32(0), at: a + 4)
        try memory.write(sector, at: a + 8)
        return GuestBuffer(address: a, length: 16, deviceWritable: false)
    }

    /// A status byte preset to 0xFF so a test sees whether the device wrote it.
    func status() throws -> GuestBuffer {
        let a = harness.allocate(1)
        try memory.write(UInt8(0xFF), at: a)
        return GuestBuffer(address: a, length: 1, deviceWritable: true)
    }

    func data(_ bytes: [UInt8], writable: Bool) throws -> GuestBuffer {
        let a = harness.allocate(bytes.count)
        try memory.write(bytes, at: a)
        return GuestBuffer(address: a, length: UInt32(bytes.count), deviceWritable: writable)
    }

    func buffer(_ length: Int, writable: Bool, fill: UInt8 = 0) throws -> GuestBuffer {
        try data([UInt8](repeating: fill, count: length), writable: writable)
    }

    /// `count` discard/write-zeroes segments.
    func ranges(_ segments: [(sector: UInt64, sectors: UInt32, flags: UInt32)]) throws -> GuestBuffer {
        var bytes: [UInt8] = []
        for s in segments {
            withUnsafeBytes(of: s.sector.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: s.sectors.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: s.flags.littleEndian) { bytes += $0 }
        }
        return try data(bytes, writable: false)
    }

    func statusByte(_ status: GuestBuffer) throws -> UInt8 { try memory.read(UInt8.self, at: status.address) }
    func bytes(_ b: GuestBuffer) throws -> [UInt8] { try memory.bytes(at: b.address, count: Int(b.length)) }

    /// Splits `length` bytes into 1...`maxPieces` writable or readable buffers at random
    /// 512-byte boundaries (or anywhere, when `anywhere`).
    func pieces(_ length: Int, maxPieces: Int, rng: inout SplitMix64, anywhere: Bool = false) -> [Int] {
        let count = Int.random(in: 1...maxPieces, using: &rng)
        var cuts = Set<Int>()
        let unit = anywhere ? 1 : 512
        if length / unit > 1 {
            for _ in 1..<count { cuts.insert(Int.random(in: 1..<(length / unit), using: &rng) * unit) }
        }
        var sizes: [Int] = []
        var last = 0
        for c in cuts.sorted() + [length] { sizes.append(c - last); last = c }
        return sizes
    }
}

/// A harness around a block device on a drive, ready to build requests.
func makeBlockHarness(_ drive: DriveConfiguration, variant: HarnessVariant, workers: Int = 4,
                      driverFeatures: UInt64 = .max) throws -> (TransportHarness<BlockDevice<DriveBackend>>, BlockRequestBuilder) {
    let device = try BlockDevice(drive: drive, workersPerQueue: workers)
    let harness = try TransportHarness(device: device, variant: variant, driverFeatures: driverFeatures)
    return (harness, BlockRequestBuilder(harness: harness))
}
