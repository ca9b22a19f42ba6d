import Devices
import Machine
import Synchronization
import Testing
import Virtio
import VirtioDriver
#if canImport(Glibc)
import Glibc
#endif

/// Seeded random reads, writes, flushes, discards and write-zeroes, several in flight at once,
/// checked against a shadow copy of the disk, under every ring variant.
@Suite struct BlockIntegrityTests {
    static let diskSize = 4 << 20
    static let slot = 64 << 10

    enum Op { case read, write, flush, discard, writeZeroes }

    struct Pending {
        var op: Op
        var offset: Int
        var length: Int
        var status: GuestBuffer
        /// The guest buffers a read fills (data only).
        var readBuffers: [(GuestBuffer, Int)]
    }

    @Test(arguments: HarnessVariant.all)
    func randomPatternMatchesShadow(variant: HarnessVariant) throws {
        let image = try TempImage(size: Self.diskSize, seed: 7)
        var shadow = image.contents
        let (h, b) = try makeBlockHarness(DriveConfiguration(path: image.path), variant: variant)
        var rng = SplitMix64(seed: 0xB10C ^ UInt64(variant.testDescription.utf8.count))
        var completed = 0
        for _ in 0..<60 {
            h.freeAllData()
            let batch = Int.random(in: 1...8, using: &rng)
            var slots = Array(0..<(Self.diskSize / Self.slot)).shuffled(using: &rng).prefix(batch).makeIterator()
            var pending: [UInt32: Pending] = [:]
            for token in 0..<UInt32(batch) {
                let slot = slots.next()!
                let sectors = Int.random(in: 1...(Self.slot / 512), using: &rng)
                let start = slot * Self.slot + 512 * Int.random(in: 0...(Self.slot / 512 - sectors), using: &rng)
                let length = sectors * 512
                let op: Op = [.read, .read, .write, .write, .flush, .discard, .writeZeroes].randomElement(using: &rng)!
                let status = try b.status()
                var buffers: [GuestBuffer] = []
                var reads: [(GuestBuffer, Int)] = []
                switch op {
                case .read:
                    buffers.append(try b.header(type: Blk.typeIn, sector: UInt64(start / 512)))
                    var at = start
                    for piece in b.pieces(length, maxPieces: 4, rng: &rng) {
                        let buf = try b.buffer(piece, writable: true, fill: 0xEE)
                        buffers.append(buf)
                        reads.append((buf, at))
                        at += piece
                    }
                    buffers.append(status)
                case .write:
                    var bytes = [UInt8](repeating: 0, count: length)
                    for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
                    shadow.replaceSubrange(start..<start + length, with: bytes)
                    let header = try b.header(type: Blk.typeOut, sector: UInt64(start / 512))
                    if Bool.random(using: &rng) {
                        // Header and data in one buffer (any layout).
                        let merged = try b.bytes(header) + bytes
                        buffers.append(try b.data(merged, writable: false))
                    } else {
                        buffers.append(header)
                        var at = 0
                        for piece in b.pieces(length, maxPieces: 4, rng: &rng, anywhere: true) {
                            buffers.append(try b.data(Array(bytes[at..<at + piece]), writable: false))
                            at += piece
                        }
                    }
                    buffers.append(status)
                case .flush:
                    buffers = [try b.header(type: Blk.typeFlush, sector: 0), status]
                case .discard, .writeZeroes:
                    shadow.replaceSubrange(start..<start + length, with: repeatElement(0, count: length))
                    buffers = [try b.header(type: op == .discard ? Blk.typeDiscard : Blk.typeWriteZeroes, sector: 0),
                               try b.ranges([(UInt64(start / 512), UInt32(sectors), 0)]), status]
                }
                pending[token] = Pending(op: op, offset: start, length: length, status: status, readBuffers: reads)
                #expect(h.submit(queue: 0, buffers, token: token))
            }
            for used in try h.waitUsed(queue: 0, count: batch) {
                let removed = pending.removeValue(forKey: used.token)
                let p = try #require(removed)
                #expect(try b.statusByte(p.status) == Blk.ok, "\(p.op) at \(p.offset)")
                if p.op == .read {
                    #expect(used.length == UInt32(p.length + 1))
                    for (buf, at) in p.readBuffers {
                        #expect(try b.bytes(buf) == Array(shadow[at..<at + Int(buf.length)]), "read at \(at)")
                    }
                }
                completed += 1
            }
        }
        // Every completion came back once, and the file is the shadow.
        #expect(completed > 0)
        #expect(h.device.metrics.ioErrors.load(ordering: .relaxed) == 0)
        h.reset()
        #expect(image.contents == shadow)
    }

    /// Read data and the status byte sharing the last buffer (any layout).
    @Test(arguments: HarnessVariant.all)
    func readWithStatusInTheDataBuffer(variant: HarnessVariant) throws {
        let image = try TempImage(size: 1 << 20, seed: 3)
        let (h, b) = try makeBlockHarness(DriveConfiguration(path: image.path), variant: variant)
        let combined = try b.buffer(4096 + 1, writable: true, fill: 0xEE)
        let used = try h.roundTrip([try b.header(type: Blk.typeIn, sector: 8), combined])
        let bytes = try b.bytes(combined)
        #expect(used.length == 4097)
        #expect(bytes[4096] == Blk.ok)
        #expect(Array(bytes[0..<4096]) == Array(image.contents[4096..<8192]))
    }

    /// Four queues, each driven by its own thread with requests in flight, on disjoint regions.
    @Test(arguments: HarnessVariant.all.filter { $0.eventIndex && $0.indirect })
    func multiqueueConcurrentRequests(variant: HarnessVariant) throws {
        let image = try TempImage(size: 4 << 20, seed: 11)
        var drive = DriveConfiguration(path: image.path)
        drive.queues = 4
        let (h, _) = try makeBlockHarness(drive, variant: variant, workers: 2)
        #expect(h.features & BlockFeature.multiQueue != 0)
        #expect(h.readConfig(UInt16.self, at: 34) == 4)
        #expect(h.device.queueMaxSizes.count == 4)
        // Each queue's region: 1 MiB; each thread writes a pattern 16 KiB at a time, 8 in
        // flight, then reads it all back.
        let regionSize = 1 << 20, chunk = 16 << 10
        let memory = h.memory
        let drivers = h.drivers
        let transport = UncheckedBox(h.transport)
        let results = Mutex<[Bool]>([])
        var threads: [HostThread] = []
        for q in 0..<4 {
            let dataBase = TransportHarness<BlockDevice<DriveBackend>>.ramBase + (32 << 20) + UInt64(q) * (4 << 20)
            let driver = UncheckedBox(drivers[q])
            threads.append(HostThread {
                let r = (try? QueueLoad.run(queue: q, driver: driver.value, transport: transport.value, memory: memory,
                                            dataBase: dataBase, diskBase: q * regionSize, regionSize: regionSize,
                                            chunk: chunk)) ?? false
                results.withLock { $0.append(r) }
            })
        }
        for t in threads { t.join() }
        let ok = results.withLock { $0 } == [true, true, true, true]
        #expect(ok)
        h.reset()
        let contents = image.contents
        for q in 0..<4 {
            for i in stride(from: 0, to: regionSize, by: 4096) {
                #expect(contents[q * regionSize + i] == UInt8(q + 1), "queue \(q) offset \(i)")
            }
        }
    }
}

struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One thread's load on one queue for the multiqueue test.
enum QueueLoad {
    static func run(queue: Int, driver: GuestDriver, transport: any VirtioTransportDriver, memory: GuestMemory,
                    dataBase: UInt64, diskBase: Int, regionSize: Int, chunk: Int) throws -> Bool {
        let chunks = regionSize / chunk
        let depth = 8
        // Per slot: header (16), data (chunk), status (1).
        func slotBase(_ s: Int) -> UInt64 { dataBase + UInt64(s) * UInt64(chunk + 4096) }
        var next = 0, done = 0
        var good = true
        let deadline = monotonicSeconds() + 30
        for phase in 0..<2 {
            next = 0; done = 0
            var free = Array(0..<depth)
            while done < chunks {
                while next < chunks, let s = free.popLast() {
                    let base = slotBase(s)
                    try memory.write(phase == 0 ? Blk.typeOut : Blk.typeIn, at: base)
                    try memory.write(UInt32(0), at: base + 4)
                    try memory.write(UInt64((diskBase + next * chunk) / 512), at: base + 8)
                    let data = base + 64
                    try memory.slice(at: data, length: UInt64(chunk)).initializeMemory(as: UInt8.self, repeating: phase == 0 ? UInt8(queue + 1) : 0)
                    try memory.write(UInt8(0xFF), at: data + UInt64(chunk))
                    let buffers = [GuestBuffer(address: base, length: 16, deviceWritable: false),
                                   GuestBuffer(address: data, length: UInt32(chunk), deviceWritable: phase == 1),
                                   GuestBuffer(address: data + UInt64(chunk), length: 1, deviceWritable: true)]
                    _ = buffers.withUnsafeBufferPointer { driver.add($0, token: UInt32(s)) }
                    if driver.kickPrepare() { transport.kick(queue) }
                    next += 1
                }
                if let used = driver.getBuf() {
                    let s = Int(used.token)
                    let data = slotBase(s) + 64
                    let status = try memory.read(UInt8.self, at: data + UInt64(chunk))
                    good = good && status == Blk.ok
                    if phase == 1 {
                        let bytes = try memory.bytes(at: data, count: chunk)
                        good = good && bytes.allSatisfy { $0 == UInt8(queue + 1) }
                    }
                    free.append(s)
                    done += 1
                } else {
                    guard monotonicSeconds() < deadline else { return false }
                    sched_yield()
                }
            }
        }
        return good && driver.violation == nil
    }
}
