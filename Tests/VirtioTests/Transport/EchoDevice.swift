import Machine
import Synchronization
@testable import Virtio

/// A loopback test device written once against `VirtioDevice`: every chain's readable bytes
/// are copied into its writable buffers. Two queues; 8 bytes of config (a read-only magic
/// word, then a writable word). It works synchronously in `notify` so tests are deterministic.
final class EchoDevice: VirtioQueueResetting, @unchecked Sendable {
    static let featureUpper: UInt64 = 1 << 0
    static let configMagic: UInt32 = 0xEC40_0001

    let deviceID = VirtioDeviceID.entropy
    let deviceFeatures: UInt64 = EchoDevice.featureUpper
    let queueMaxSizes: [UInt16]
    let configSize = 8
    /// Feature bits this device refuses at FEATURES_OK.
    var refused: UInt64 = 0

    var magic = EchoDevice.configMagic
    var scratch: UInt32 = 0
    private(set) var queues: [Virtqueue?] = []
    private(set) var interrupts: (any VirtioInterrupts)?
    private(set) var activations: [UInt64] = []
    private(set) var resets = 0
    private(set) var notifications = 0
    private(set) var echoed = 0

    init(queueMaxSizes: [UInt16] = [64, 64]) { self.queueMaxSizes = queueMaxSizes }

    func accepts(features: UInt64) -> Bool { features & refused == 0 }

    func readConfig(offset: Int, size: Int) -> UInt64 {
        let word = UInt64(magic) | UInt64(scratch) << 32
        return (word >> UInt64(8 * offset)) & (size == 8 ? UInt64.max : (1 << UInt64(8 * size)) - 1)
    }

    func writeConfig(offset: Int, size: Int, value: UInt64) {
        guard offset >= 4 else { return }
        var word = UInt64(scratch)
        let shift = UInt64(8 * (offset - 4)), mask: UInt64 = (1 << UInt64(8 * size)) - 1
        word = (word & ~(mask << shift)) | (value & mask) << shift
        scratch = UInt32(truncatingIfNeeded: word)
    }

    func activate(_ activation: VirtioActivation) {
        queues = activation.queues
        interrupts = activation.interrupts
        activations.append(activation.features)
    }

    func notify(queue: Int) {
        notifications += 1
        guard queue < queues.count, queues[queue] != nil else { return }
        var bytes = [UInt8](repeating: 0, count: 4096)
        var completed = false
        do {
            while var chain = try queues[queue]!.pop() {
                let count = try bytes.withUnsafeMutableBytes { try chain.read(into: $0) }
                let written = try bytes.withUnsafeBytes { try chain.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                try queues[queue]!.push(chain, written: UInt32(written))
                echoed += 1
                completed = true
            }
        } catch {
            interrupts?.deviceNeedsReset()
            return
        }
        guard completed else { return }
        queues[queue]!.publish()
        if queues[queue]!.needsInterrupt() { interrupts?.usedBuffers(queue: queue) }
    }

    func reset() {
        resets += 1
        queues = []
        interrupts = nil
    }

    func resetQueue(_ queue: Int) {
        if queue < queues.count { queues[queue] = nil }
    }

    func enableQueue(_ queue: Int, _ virtqueue: Virtqueue) {
        if queue < queues.count { queues[queue] = virtqueue }
    }

    /// The device changes its config space and tells the driver.
    func changeMagic(_ value: UInt32) {
        magic = value
        interrupts?.configChanged()
    }
}

/// Records wired interrupt levels.
final class LevelRecorder: InterruptController, @unchecked Sendable {
    private let levels = Mutex<[Int: Bool]>([:])
    private let raises = Mutex(0)
    func setLevel(line: Int, high: Bool) {
        levels.withLock { $0[line] = high }
        if high { raises.withLock { $0 += 1 } }
    }
    func level(_ line: Int) -> Bool { levels.withLock { $0[line] ?? false } }
    var raiseCount: Int { raises.withLock { $0 } }
}

/// Records MSI messages.
final class MessageRecorder: MSIController, @unchecked Sendable {
    private let list = Mutex<[MSIMessage]>([])
    func deliver(_ message: MSIMessage) { list.withLock { $0.append(message) } }
    var messages: [MSIMessage] { list.withLock { $0 } }
    func clear() { list.withLock { $0 = [] } }
}
