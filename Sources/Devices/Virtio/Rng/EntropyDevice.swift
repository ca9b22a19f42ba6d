import CHostIO
import Machine
import Synchronization
import Virtio
#if canImport(Glibc)
import Glibc
#endif

/// A virtio entropy device (virtio 1.2 §5.4, `--rng`): one request queue whose device-writable
/// buffers it fills from the host's `getrandom(2)`, on its own thread.
///
/// A chain's readable buffers are ignored, a chain error completes it with 0 bytes, and at most
/// `maxBytesPerRequest` bytes are produced per chain however large the buffers, so a hostile
/// driver cannot make the device spin.
public final class EntropyDevice: VirtioDevice, @unchecked Sendable {
    /// The most random bytes one request gets.
    public static let maxBytesPerRequest = 64 << 10

    private let worker = DeviceEventThread()
    /// The live queue and signals, owned by the worker thread between activate and reset.
    private var queue: Virtqueue?
    private var interrupts: (any VirtioInterrupts)?
    private let active = Mutex(false)
    /// Bytes handed to the guest (tests and logs).
    public let bytesProduced = Atomic<UInt64>(0)

    public init() {}

    public var deviceID: VirtioDeviceID { .entropy }
    public var deviceFeatures: UInt64 { 0 }
    public var queueMaxSizes: [UInt16] { [256] }
    public var configSize: Int { 0 }
    public func readConfig(offset: Int, size: Int) -> UInt64 { 0 }
    public func writeConfig(offset: Int, size: Int, value: UInt64) {}

    public func activate(_ activation: VirtioActivation) {
        reset()
        guard let q = activation.queues.first, let q else { return }
        queue = q
        interrupts = activation.interrupts
        worker.start { [self] _ in serve() }
        active.withLock { $0 = true }
        worker.post(1)
    }

    public func notify(queue: Int) {
        guard queue == 0, active.withLock({ $0 }) else { return }
        worker.post(1)
    }

    public func reset() {
        active.withLock { $0 = false }
        worker.stop()
        queue = nil
        interrupts = nil
    }

    /// Worker thread: fills every available chain, then re-enables notifications. Each request
    /// gets its interrupt decision as soon as it is filled: the guest waits on every one.
    private func serve() {
        guard queue != nil, let interrupts else { return }
        @inline(always) func fillChain(_ chain: inout DescriptorChain) -> UInt32 { UInt32(fill(&chain)) }
        @inline(always) func signal() { interrupts.usedBuffers(queue: 0) }
        var served = 0
        while served < 4096 {
            queue!.disableNotifications()
            do {
                served += try queue!.serveInOrder(limit: 4096 - served, decisionPerChain: true, fillChain, interrupt: signal)
            } catch {
                interrupts.deviceNeedsReset()
                return
            }
            if served == 4096 || !queue!.enableNotifications() { break }
        }
        // A driver that keeps the ring full gets served in later batches, not in one loop.
        if served == 4096 { worker.post(1) }
    }

    private func fill(_ chain: inout DescriptorChain) -> Int {
        var total = 0
        do {
            while let d = try chain.next(), total < Self.maxBytesPerRequest {
                guard d.isDeviceWritable else { continue }
                let want = min(Int(d.length), Self.maxBytesPerRequest - total)
                var done = 0
                while done < want {
                    let n = getrandom(d.host + done, want - done, 0)
                    if n > 0 { done += n } else if errno != EINTR { break }
                }
                total += done
                if done < want { break }
            }
        } catch {
            return 0
        }
        bytesProduced.add(UInt64(total), ordering: .relaxed)
        return total
    }
}
