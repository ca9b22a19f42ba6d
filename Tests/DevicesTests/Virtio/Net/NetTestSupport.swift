import Machine
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
import Virtio
import VirtioDriver
@testable import Devices

/// A backend that records what the guest sends and injects frames for it, on a real loop.
final class LoopbackBackend: NetBackend, @unchecked Sendable {
    let eventLoop: EventLoop
    private let state = Mutex<(sent: [[UInt8]], receiver: WeakBox)>(([], WeakBox()))
    struct WeakBox { weak var receiver: (any NetFrameReceiver)? }

    init(eventLoop: EventLoop) { self.eventLoop = eventLoop }

    func send(_ frame: UnsafeRawBufferPointer) { state.withLock { $0.sent.append(Array(frame)) } }
    func setReceiver(_ receiver: (any NetFrameReceiver)?) { state.withLock { $0.receiver.receiver = receiver } }
    var sent: [[UInt8]] { state.withLock { $0.sent } }

    /// Hands `frames` to the device on the loop's thread and waits until it took them.
    func inject(_ frames: [[UInt8]]) {
        let done = Atomic<Bool>(false)
        eventLoop.perform { [self] in
            let receiver = state.withLock { $0.receiver.receiver }
            for frame in frames { frame.withUnsafeBytes { receiver?.receive($0) } }
            done.store(true, ordering: .releasing)
        }
        while !done.load(ordering: .acquiring) { usleep(100) }
    }

    /// Waits until the loop has run everything queued before this call.
    func settle() { inject([]) }
}

/// A net device behind the harness, with helpers that play a guest driver's net side.
final class NetRig<Backend: NetBackend> {
    let harness: TransportHarness<NetDevice<Backend>>
    var device: NetDevice<Backend> { harness.device }
    let headerSize = 12
    var mergeable: Bool { harness.features & NetFeature.mergeableRxBuffers != 0 }
    private var receiveBufferSize = 0

    init(device: NetDevice<Backend>, options: HarnessVariant, driverFeatures: UInt64 = .max) throws {
        harness = try TransportHarness(device: device, variant: options, driverFeatures: driverFeatures)
    }

    /// Posts `count` receive chains of one `size`-byte buffer each.
    func postReceive(count: Int, size: Int = 1526) throws {
        receiveBufferSize = size
        for _ in 0..<count { try #require(harness.addWritable(queue: 0, lengths: [size]) != nil) }
    }

    /// Sends `frame` with a plain header (or `header`), header and frame in separate buffers.
    func send(_ frame: [UInt8], header: [UInt8]? = nil) throws {
        let header = header ?? [UInt8](repeating: 0, count: headerSize)
        try #require(try harness.addReadable(queue: 1, header + frame, cuts: [header.count]) != nil)
    }

    /// A header asking the device to complete a checksum.
    func checksumHeader(start: Int, offset: Int) -> [UInt8] {
        [NetHeader.needsChecksum, 0, 0, 0, 0, 0, UInt8(start & 0xFF), UInt8(start >> 8), UInt8(offset & 0xFF), UInt8(offset >> 8), 0, 0]
    }

    /// The next received frame (header checked and removed, mergeable buffers joined), each
    /// used chain replaced by a fresh one; nil after `timeout` seconds.
    func receive(timeout: Double = 5) throws -> (header: [UInt8], frame: [UInt8])? {
        guard let first = harness.nextUsed(queue: 0, timeout: timeout) else { return nil }
        var bytes = try harness.written(first)
        try #require(bytes.count >= headerSize)
        let buffers = mergeable ? Int(UInt16(bytes[10]) | UInt16(bytes[11]) << 8) : 1
        try #require(buffers >= 1)
        try postReceive(count: 1, size: receiveBufferSize)
        for _ in 1..<buffers {
            let next = try #require(harness.nextUsed(queue: 0, timeout: timeout))
            bytes += try harness.written(next)
            try postReceive(count: 1, size: receiveBufferSize)
        }
        return (Array(bytes[..<headerSize]), Array(bytes[headerSize...]))
    }

    /// The first received frame that `match` accepts, skipping others; nil after `timeout`.
    func receive<T>(timeout: Double = 5, _ match: ([UInt8]) -> T?) throws -> T? {
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            guard let (_, frame) = try receive(timeout: deadline - monotonicSeconds()) else { return nil }
            if let value = match(frame) { return value }
        }
        return nil
    }

    /// Waits for `count` transmit chains to come back.
    func waitTransmitted(_ count: Int) throws {
        for _ in 0..<count {
            let used = try #require(harness.nextUsed(queue: 1))
            #expect(used.length == 0)
        }
    }
}
