import Machine
import Virtio
import VirtioDriver

/// The engine's own cost without the driver model: a minimal driver re-posts the same chains
/// by plain stores into the rings (split: one avail entry per chain and one idx store; packed:
/// the 16-byte descriptors with the head's flags last), the device serves them as in the
/// one-core placement. It is the engine-side counterpart of a raw ring loop over memory.
final class EngineOnlyLoop {
    let setup: BenchSetup
    var device: BenchDevice
    let c: BenchCase
    /// Split: the head of each chain. Packed: each chain's descriptors (addr, len, flags, id)
    /// in ring order, as the driver model first wrote them.
    var heads: [UInt16] = []
    var descriptors: [(address: UInt64, length: UInt32, flags: UInt16, id: UInt16)] = []
    let ring: UnsafeMutableRawPointer
    let avail: UnsafeMutableRawPointer
    var availIndex: UInt16 = 0
    var position = 0
    var wrap = true

    init(_ c: BenchCase) throws {
        self.c = c
        setup = try BenchSetup(c)
        var driver = BenchDriver(driver: setup.driver, benchCase: c, dataBase: setup.dataBase)
        defer { driver.release() }
        let layout = setup.driver.layout
        ring = try setup.memory.slice(at: layout.descriptorArea, length: 16 * UInt64(c.queueSize)).baseAddress!
        avail = try setup.memory.slice(at: layout.driverArea, length: 4).baseAddress!
        // Let the driver model build one batch; remember it, then hand it to the device once
        // so the rings start from a consistent state.
        let chains = driver.add(c.batch)
        for _ in 0..<chains { heads.append(0) }
        if c.format == .split {
            for k in 0..<chains {
                let entry = try setup.memory.read(UInt16.self, at: layout.driverArea + 4 + 2 * UInt64(k))
                heads[k] = entry
            }
            availIndex = UInt16(chains)
        } else {
            var p = 0
            for _ in 0..<chains {
                repeat {
                    let d = ring.advanced(by: p * 16)
                    let flags = UInt16(littleEndian: d.loadUnaligned(fromByteOffset: 14, as: UInt16.self))
                    descriptors.append((UInt64(littleEndian: d.loadUnaligned(as: UInt64.self)),
                                        UInt32(littleEndian: d.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
                                        flags & ~(RingLayout.packedAvail | RingLayout.packedUsed),
                                        UInt16(littleEndian: d.loadUnaligned(fromByteOffset: 12, as: UInt16.self))))
                    p += 1
                    if flags & RingLayout.next == 0 { break }
                } while true
            }
            // The model never lets a batch exceed the ring, so at most one wrap happened.
            position = p % c.queueSize
            wrap = p < c.queueSize
        }
        device = BenchDevice(queue: setup.queue, benchCase: c)
        _ = device.serve()
    }

    deinit { device.release() }

    /// Re-posts the batch and lets the device serve it, `rounds` times; returns chains served.
    @inline(never)
    func run(rounds: Int) -> Int {
        var served = 0
        for _ in 0..<rounds {
            repost()
            served &+= device.serve()
        }
        return served
    }

    @inline(__always)
    func repost() {
        if c.format == .split {
            // Locals, not fields: a store into the ring could alias a field and force reloads.
            let mask = c.queueSize - 1, avail = self.avail
            var index = availIndex
            for head in heads {
                avail.storeBytes(of: head.littleEndian, toByteOffset: 4 + 2 * (Int(index) & mask), as: UInt16.self)
                index &+= 1
            }
            GuestMemory.releaseFence()
            avail.storeBytes(of: index.littleEndian, toByteOffset: 2, as: UInt16.self)
            availIndex = index
        } else {
            let headPosition = self.position, ring = self.ring
            var position = headPosition, wrap = self.wrap
            var headFlags: UInt16 = 0
            for (k, d) in descriptors.enumerated() {
                let p = ring.advanced(by: position * 16)
                let flags = d.flags | (wrap ? RingLayout.packedAvail : RingLayout.packedUsed)
                p.storeBytes(of: d.address.littleEndian, as: UInt64.self)
                p.storeBytes(of: d.length.littleEndian, toByteOffset: 8, as: UInt32.self)
                p.storeBytes(of: d.id.littleEndian, toByteOffset: 12, as: UInt16.self)
                if k == 0 { headFlags = flags } else { p.storeBytes(of: flags.littleEndian, toByteOffset: 14, as: UInt16.self) }
                position += 1
                if position == c.queueSize { position = 0; wrap.toggle() }
            }
            self.position = position
            self.wrap = wrap
            GuestMemory.releaseFence()
            ring.storeBytes(of: headFlags.littleEndian, toByteOffset: headPosition * 16 + 14, as: UInt16.self)
        }
    }
}
