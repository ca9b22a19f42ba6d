import Machine
import Virtio

/// Maps arbitrary bytes to guest memory, ring state and a sequence of device operations, and
/// checks the engine's promises against a hostile driver: no trap, bounded walks, every buffer
/// inside guest RAM, chains in flight bounded by the queue size, a broken queue stays broken.
///
/// Shared by the libFuzzer target in `Fuzz/` and by the regression test that replays every
/// saved crash input. Input layout:
/// - byte 0: bit 0 packed, bit 1 EVENT_IDX, bit 2 INDIRECT_DESC, bit 3 IN_ORDER;
/// - byte 1: queue size (split: 2^(b % 8); packed: 1 + b % 128);
/// - byte 2: length L of the operation tape that follows; then the tape;
/// - the rest: guest RAM contents from address 0 (64 KiB of RAM at 0, the descriptor area at
///   0, driver area at 0x1000, device area at 0x2000).
public enum VirtqueueFuzzHarness {
    public static let ramSize: UInt64 = 0x10000
    /// When set, overrides bit 0 of byte 0 (the fuzz script runs each format separately).
    nonisolated(unsafe) public static var forcedFormat: Bool?

    public static func run(_ data: UnsafeRawBufferPointer) {
        guard data.count >= 3 else { return }
        var mode = data[0]
        if let packed = forcedFormat { mode = packed ? mode | 1 : mode & ~1 }
        let packed = mode & 1 != 0
        var features = VirtioFeature.version1
        if packed { features |= VirtioFeature.ringPacked }
        if mode & 2 != 0 { features |= VirtioFeature.eventIndex }
        if mode & 4 != 0 { features |= VirtioFeature.indirectDescriptors }
        if mode & 8 != 0 { features |= VirtioFeature.inOrder }
        let size: UInt16 = packed ? 1 + UInt16(data[1] % 128) : 1 << (data[1] % 8)
        let tapeLength = min(Int(data[2]), data.count - 3)
        let tape = UnsafeRawBufferPointer(rebasing: data[3..<(3 + tapeLength)])
        let image = UnsafeRawBufferPointer(rebasing: data[(3 + tapeLength)...])

        guard let memory = try? GuestMemory(base: 0, size: ramSize) else { return }
        let ram = try! memory.slice(at: 0, length: ramSize)
        ram.copyMemory(from: UnsafeRawBufferPointer(rebasing: image.prefix(Int(ramSize))))
        var config = QueueConfig(maxSize: size, features: features)
        config.descriptorArea = 0
        config.driverArea = 0x1000
        config.deviceArea = 0x2000
        config.ready = true
        guard var queue = try? config.activate(memory: memory) else { return }

        var held: [UsedToken] = []
        held.reserveCapacity(Int(size))
        var scratch = [UInt8](repeating: 0, count: 256)
        let ramStart = UInt(bitPattern: ram.baseAddress!)
        for (step, op) in tape.enumerated() {
            switch op % 8 {
            case 0, 1:
                let popped: DescriptorChain?
                do {
                    popped = try queue.pop()
                } catch {
                    precondition(queue.brokenReason != nil, "pop threw without breaking the queue")
                    precondition((try? queue.pop()) == nil, "a broken queue popped again")
                    continue
                }
                guard var chain = popped else { continue }
                precondition(queue.inFlight <= Int(size), "more chains in flight than the queue size")
                var steps = 0
                do {
                    if op % 8 == 1 {
                        // Gather then scatter through the copy helpers.
                        _ = try scratch.withUnsafeMutableBytes { try chain.read(into: $0) }
                        _ = try scratch.withUnsafeBytes { try chain.write($0) }
                    }
                    while let d = try chain.next() {
                        steps += 1
                        precondition(steps <= Int(size) + 32768, "a chain walk ran past its bound")
                        let start = UInt(bitPattern: d.host)
                        precondition(start >= ramStart && start + UInt(d.length) <= ramStart + UInt(ramSize),
                                     "a descriptor escaped guest RAM")
                        // A zero-length buffer may sit one past the end of RAM: it is never touched.
                        precondition(d.address <= ramSize && UInt64(d.length) <= ramSize - d.address,
                                     "a descriptor outside RAM was accepted")
                    }
                    precondition(chain.bytesWalked <= UInt64(UInt32.max), "a chain longer than 4 GiB was accepted")
                } catch {
                    precondition((error as? VirtqueueError)?.breaksQueue == false, "a chain walk threw \(error)")
                }
                held.append(chain.token)
            case 2, 3:
                guard !held.isEmpty else { continue }
                let token = op % 8 == 2 ? held.removeFirst() : held.removeLast()
                do { try queue.push(token, written: UInt32(step)) } catch { preconditionFailure("push of a held chain failed: \(error)") }
            case 4:
                _ = queue.needsInterrupt()
            case 5:
                _ = queue.enableNotifications()
            case 6:
                queue.disableNotifications()
            default:
                // The driver scribbles on its rings while the device works.
                let offset = (Int(op) &* 37 &+ step &* 11) % 0x3000
                ram.storeBytes(of: UInt16(truncatingIfNeeded: step &* 0x9E37), toByteOffset: offset, as: UInt16.self)
            }
        }
        // Whatever happened, completing what is held must work unless the device is wrong.
        for token in held {
            do { try queue.push(token, written: 0) } catch { preconditionFailure("final push failed: \(error)") }
        }
        _ = queue.needsInterrupt()
        precondition(queue.inFlight == 0, "chains left in flight after completing all")
    }
}
