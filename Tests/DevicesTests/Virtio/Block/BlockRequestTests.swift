import Devices
import Machine
import Testing
import Virtio
import VirtioDriver

/// Config space, features, GET_ID, read-only and snapshot drives, and every malformed request:
/// each bad request gets its defined answer and leaves the image's bytes unchanged.
@Suite struct BlockRequestTests {
    @Test(arguments: HarnessVariant.basic)
    func configSpaceAndFeatures(variant: HarnessVariant) throws {
        let image = try TempImage(size: (1 << 20) + 100, seed: 1)
        let (h, _) = try makeBlockHarness(DriveConfiguration(path: image.path), variant: variant)
        #expect(h.device.deviceID == .block)
        #expect(h.readConfig(UInt64.self, at: 0) == UInt64((1 << 20) / 512))
        #expect(h.readConfig(UInt32.self, at: 12) == 254)
        #expect(h.readConfig(UInt32.self, at: 20) == 512)
        #expect(h.readConfig(UInt8.self, at: 24) == 3)
        #expect(h.readConfig(UInt16.self, at: 34) == 1)
        #expect(h.readConfig(UInt32.self, at: 40) > 0)
        #expect(h.readConfig(UInt32.self, at: 52) > 0)
        let expected = BlockFeature.sizeMax | BlockFeature.segMax | BlockFeature.blockSize | BlockFeature.flush
            | BlockFeature.topology | BlockFeature.multiQueue | BlockFeature.discard | BlockFeature.writeZeroes
        #expect(h.device.deviceFeatures == expected)
        // A 4-byte read of the capacity's low half agrees with the 8-byte read.
        #expect(h.readConfig(UInt32.self, at: 0) == UInt32((1 << 20) / 512))
    }

    @Test(arguments: HarnessVariant.all)
    func getIDAnswersTheSerial(variant: HarnessVariant) throws {
        let image = try TempImage(size: 1 << 20, seed: 1)
        let drive = try DriveConfiguration(parsing: "file=\(image.path),serial=XEMU-DISK-0042")
        let (h, b) = try makeBlockHarness(drive, variant: variant)
        let id = try b.buffer(20, writable: true, fill: 0xAA)
        let status = try b.status()
        let used = try h.roundTrip([try b.header(type: Blk.typeGetID, sector: 0), id, status])
        #expect(try b.statusByte(status) == Blk.ok)
        #expect(used.length == 21)
        #expect(try b.bytes(id) == Array("XEMU-DISK-0042".utf8) + [UInt8](repeating: 0, count: 6))
    }

    @Test(arguments: HarnessVariant.all)
    func readOnlyDriveRefusesWritesAndKeepsTheImage(variant: HarnessVariant) throws {
        let image = try TempImage(size: 1 << 20, seed: 2)
        let before = image.hash
        let (h, b) = try makeBlockHarness(try DriveConfiguration(parsing: "file=\(image.path),readonly=on"), variant: variant)
        #expect(h.features & BlockFeature.readOnly != 0)
        #expect(h.features & (BlockFeature.discard | BlockFeature.writeZeroes) == 0)
        for type in [Blk.typeOut, Blk.typeDiscard, Blk.typeWriteZeroes] {
            let status = try b.status()
            let payload = type == Blk.typeOut ? try b.buffer(4096, writable: false, fill: 0x55) : try b.ranges([(0, 8, 0)])
            _ = try h.roundTrip([try b.header(type: type, sector: 0), payload, status])
            let expected = type == Blk.typeOut ? Blk.ioErr : Blk.unsupp
            #expect(try b.statusByte(status) == expected, "type \(type)")
        }
        // Reads and flushes still work.
        let data = try b.buffer(512, writable: true)
        let status = try b.status()
        _ = try h.roundTrip([try b.header(type: Blk.typeIn, sector: 1), data, status])
        #expect(try b.statusByte(status) == Blk.ok)
        #expect(try b.bytes(data) == Array(image.contents[512..<1024]))
        let flushStatus = try b.status()
        _ = try h.roundTrip([try b.header(type: Blk.typeFlush, sector: 0), flushStatus])
        #expect(try b.statusByte(flushStatus) == Blk.ok)
        h.reset()
        #expect(image.hash == before)
    }

    @Test(arguments: HarnessVariant.all)
    func snapshotDriveWritesOnlyItsOverlay(variant: HarnessVariant) throws {
        let image = try TempImage(size: 1 << 20, seed: 4)
        let before = image.hash
        let (h, b) = try makeBlockHarness(try DriveConfiguration(parsing: "file=\(image.path),snapshot=on"), variant: variant)
        #expect(h.features & BlockFeature.readOnly == 0)
        let pattern = [UInt8](repeating: 0x5A, count: 8192)
        let status = try b.status()
        _ = try h.roundTrip([try b.header(type: Blk.typeOut, sector: 3), try b.data(pattern, writable: false), status])
        #expect(try b.statusByte(status) == Blk.ok)
        let zeroStatus = try b.status()
        _ = try h.roundTrip([try b.header(type: Blk.typeWriteZeroes, sector: 0), try b.ranges([(100, 16, 1)]), zeroStatus])
        #expect(try b.statusByte(zeroStatus) == Blk.ok)
        let data = try b.buffer(8192, writable: true)
        let readStatus = try b.status()
        _ = try h.roundTrip([try b.header(type: Blk.typeIn, sector: 3), data, readStatus])
        #expect(try b.bytes(data) == pattern)
        let zeros = try b.buffer(8192, writable: true, fill: 0xEE)
        _ = try h.roundTrip([try b.header(type: Blk.typeIn, sector: 100), zeros, try b.status()])
        #expect(try b.bytes(zeros).allSatisfy { $0 == 0 })
        h.reset()
        #expect(image.hash == before)
    }

    /// One malformed request, its expected answer, and whether the chain is rejected outright.
    struct BadRequest: CustomTestStringConvertible, Sendable {
        let name: String
        /// nil: completed with 0 bytes written and no status (a bad chain).
        let expected: UInt8?
        let build: @Sendable (BlockRequestBuilder) throws -> [GuestBuffer]
        var testDescription: String { name }
    }

    static let capacitySectors: UInt64 = (1 << 20) / 512

    static let badRequests: [BadRequest] = [
        BadRequest(name: "unknown type", expected: Blk.unsupp) { b in
            [try b.header(type: 99, sector: 0), try b.status()]
        },
        BadRequest(name: "type 0xFFFFFFFF", expected: Blk.unsupp) { b in
            [try b.header(type: .max, sector: 0), try b.status()]
        },
        BadRequest(name: "write past capacity", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeOut, sector: capacitySectors - 1), try b.buffer(1024, writable: false, fill: 1), try b.status()]
        },
        BadRequest(name: "read past capacity", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeIn, sector: capacitySectors), try b.buffer(512, writable: true), try b.status()]
        },
        BadRequest(name: "sector overflowing 64 bits", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeOut, sector: .max / 256), try b.buffer(512, writable: false, fill: 1), try b.status()]
        },
        BadRequest(name: "short header", expected: Blk.ioErr) { b in
            [try b.buffer(8, writable: false), try b.status()]
        },
        BadRequest(name: "write with data not a sector multiple", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeOut, sector: 0), try b.buffer(700, writable: false, fill: 1), try b.status()]
        },
        BadRequest(name: "write with device-writable data", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeOut, sector: 0), try b.buffer(512, writable: true, fill: 1), try b.status()]
        },
        BadRequest(name: "read with device-readable data", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeIn, sector: 0), try b.buffer(512, writable: false, fill: 1), try b.status()]
        },
        BadRequest(name: "flush with data", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeFlush, sector: 0), try b.buffer(512, writable: false, fill: 1), try b.status()]
        },
        BadRequest(name: "discard with unmap flag", expected: Blk.unsupp) { b in
            [try b.header(type: Blk.typeDiscard, sector: 0), try b.ranges([(0, 8, 1)]), try b.status()]
        },
        BadRequest(name: "write-zeroes with unknown flag", expected: Blk.unsupp) { b in
            [try b.header(type: Blk.typeWriteZeroes, sector: 0), try b.ranges([(0, 8, 4)]), try b.status()]
        },
        BadRequest(name: "discard past capacity in a later segment", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeDiscard, sector: 0), try b.ranges([(0, 8, 0), (capacitySectors - 4, 8, 0)]), try b.status()]
        },
        BadRequest(name: "discard with a partial segment", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeDiscard, sector: 0), try b.buffer(20, writable: false), try b.status()]
        },
        BadRequest(name: "discard with too many segments", expected: Blk.ioErr) { b in
            [try b.header(type: Blk.typeDiscard, sector: 0), try b.ranges(Array(repeating: (0, 8, 0), count: 33)), try b.status()]
        },
        BadRequest(name: "no status byte", expected: nil) { b in
            [try b.header(type: Blk.typeOut, sector: 0), try b.buffer(512, writable: false, fill: 1)]
        },
        BadRequest(name: "status byte in a read-only buffer", expected: nil) { b in
            [try b.header(type: Blk.typeFlush, sector: 0), try b.buffer(1, writable: false, fill: 0xFF)]
        },
    ]

    @Test(arguments: HarnessVariant.all, badRequests)
    func badRequestGetsItsAnswerWithoutTouchingTheImage(variant: HarnessVariant, bad: BadRequest) throws {
        let image = try TempImage(size: 1 << 20, seed: 5)
        let before = image.hash
        let (h, b) = try makeBlockHarness(DriveConfiguration(path: image.path), variant: variant)
        let buffers = try bad.build(b)
        let dataBefore = buffers.count == 3 ? try b.bytes(buffers[1]) : []
        let used = try h.roundTrip(buffers)
        if let expected = bad.expected {
            let status = buffers.last!
            #expect(try b.statusByte(status) == expected)
            #expect(used.length == 1)
            // A refused request leaves the guest's data buffer as it was.
            if buffers.count == 3 {
                #expect(try b.bytes(buffers[1]) == dataBefore)
            }
        } else {
            #expect(used.length == 0)
            #expect(h.device.metrics.badChains.load(ordering: .relaxed) == 1)
        }
        // The device still serves a good request afterwards.
        let status = try b.status()
        _ = try h.roundTrip([try b.header(type: Blk.typeFlush, sector: 0), status], token: 2)
        #expect(try b.statusByte(status) == Blk.ok)
        h.reset()
        #expect(image.hash == before)
    }

    @Test(arguments: HarnessVariant.basic)
    func discardAndWriteZeroesWithoutTheFeatureAreUnsupported(variant: HarnessVariant) throws {
        let image = try TempImage(size: 1 << 20, seed: 6)
        let before = image.hash
        let features = ~(BlockFeature.discard | BlockFeature.writeZeroes)
        let (h, b) = try makeBlockHarness(DriveConfiguration(path: image.path), variant: variant, driverFeatures: features)
        for type in [Blk.typeDiscard, Blk.typeWriteZeroes] {
            let status = try b.status()
            _ = try h.roundTrip([try b.header(type: type, sector: 0), try b.ranges([(0, 8, 0)]), status])
            #expect(try b.statusByte(status) == Blk.unsupp)
        }
        h.reset()
        #expect(image.hash == before)
    }

    @Test(arguments: HarnessVariant.basic.filter { !$0.packed })
    func corruptRingAsksForReset(variant: HarnessVariant) throws {
        let image = try TempImage(size: 1 << 20, seed: 8)
        let (h, _) = try makeBlockHarness(DriveConfiguration(path: image.path), variant: variant)
        // Split ring: an avail index more than a queue size ahead of the device.
        let avail = h.drivers[0].layout.driverArea
        try h.memory.write(UInt16(1000), at: avail + 2)
        h.kick(0)
        #expect(h.waitNeedsReset())
        #expect(h.configInterrupts == 1)
        h.reset()
    }

    /// A serial given in code (not through `--drive`) longer than 20 bytes is cut to 20.
    @Test(arguments: HarnessVariant.basic)
    func longSerialIsCutToTwentyBytes(variant: HarnessVariant) throws {
        let image = try TempImage(size: 1 << 20, seed: 9)
        let device = BlockDevice(backend: try RawFileBackend(path: image.path, readOnly: true), serial: "disk-é-é-é-é-é-é-é-é-é")
        let h = try TransportHarness(device: device, variant: variant)
        let header = h.allocate(16)
        try h.memory.write(Blk.typeGetID, at: header)
        let id = h.allocate(20), status = h.allocate(1)
        let used = try h.roundTrip([GuestBuffer(address: header, length: 16, deviceWritable: false),
                                    GuestBuffer(address: id, length: 20, deviceWritable: true),
                                    GuestBuffer(address: status, length: 1, deviceWritable: true)])
        #expect(used.length == 21)
        #expect(try h.memory.bytes(at: id, count: 20) == Array("disk-é-é-é-é-é-é-é-é-é".utf8.prefix(20)))
        #expect(try h.memory.read(UInt8.self, at: status) == Blk.ok)
    }

    @Test func missingImageIsAnActionableError() {
        #expect(throws: BlockError.self) { try BlockDevice(drive: DriveConfiguration(path: "/nonexistent/xemu.img")) }
    }
}
