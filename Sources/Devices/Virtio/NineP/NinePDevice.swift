#if os(Linux)
import Dispatch
import Machine
import Synchronization
import Virtio

/// virtio-9p (virtio 1.2 §5 device ID 9, "9P transport"): shares one host directory with the
/// guest over 9P2000.L, as configured by `--share HOSTDIR,tag=NAME[,readonly=on]`.
///
/// The device has one request queue. Each chain holds a T-message in its device-readable part
/// and room for the R-message in its device-writable part; the chain completes with the
/// R-message's length (0 when not even an Rlerror fits). Config space is the mount tag:
/// `tag_len le16` then the tag bytes, offered with VIRTIO_9P_MOUNT_TAG (feature bit 0).
///
/// Requests run on the device's own serial queue, one at a time, never on the vCPU thread that
/// calls `notify(queue:)`. A Linux guest mounts it with
/// `mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt`.
public final class NinePDevice: VirtioDevice, @unchecked Sendable {
    /// VIRTIO_9P_MOUNT_TAG: the config space holds the mount tag.
    public static let mountTagFeature: UInt64 = 1 << 0
    /// Chains handled before the worker yields to other work on its queue (reset).
    static let batch = 64

    public let share: ShareConfiguration
    public var deviceID: VirtioDeviceID { .ninePTransport }
    public var deviceFeatures: UInt64 { Self.mountTagFeature }
    public var queueMaxSizes: [UInt16] { [128] }
    public var configSize: Int { 2 + tag.count }

    private let tag: [UInt8]
    private let worker: DispatchQueue
    private let scheduled = Atomic<Bool>(false)
    // Touched only on `worker`:
    private let server: NinePServer
    private var active: Active?
    private let request: UnsafeMutableRawBufferPointer
    private let response: UnsafeMutableRawBufferPointer

    private final class Active {
        var queue: Virtqueue
        let interrupts: any VirtioInterrupts
        init(queue: Virtqueue, interrupts: any VirtioInterrupts) {
            self.queue = queue
            self.interrupts = interrupts
        }
    }

    /// A device serving `share`. `maxMessageSize` caps the msize offered to the guest,
    /// `maxFids` the fids one session may hold and `maxOpenDirectories` how many of them may be
    /// open directories.
    public init(share: ShareConfiguration, maxMessageSize: Int = 512 * 1024, maxFids: Int = 8192,
                maxOpenDirectories: Int = 1024) throws(NinePDeviceError) {
        let tag = Array(share.tag.utf8)
        guard !tag.isEmpty, tag.count <= ShareConfiguration.maximumTagLength else {
            throw .badTag(share.tag)
        }
        do {
            server = try NinePServer(path: share.hostPath, readOnly: share.readOnly,
                                     maxMessageSize: maxMessageSize, maxFids: maxFids,
                                     maxOpenDirectories: maxOpenDirectories)
        } catch {
            throw .cannotOpenShare(path: share.hostPath, errno: error.code)
        }
        HostDirectory.raiseDescriptorLimit()
        self.share = share
        self.tag = tag
        worker = DispatchQueue(label: "xemu.virtio-9p.\(share.tag)")
        request = .allocate(byteCount: maxMessageSize, alignment: 16)
        response = .allocate(byteCount: maxMessageSize, alignment: 16)
    }

    deinit {
        request.deallocate()
        response.deallocate()
    }

    public func readConfig(offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size {
            let at = offset + i
            let byte: UInt8 = switch at {
            case 0: UInt8(tag.count & 0xFF)
            case 1: UInt8(tag.count >> 8)
            default: at - 2 < tag.count ? tag[at - 2] : 0
            }
            value |= UInt64(byte) << (8 * i)
        }
        return value
    }

    public func writeConfig(offset: Int, size: Int, value: UInt64) {}

    public func activate(_ activation: VirtioActivation) {
        let queue = activation.queues.first ?? nil
        let interrupts = activation.interrupts
        worker.sync {
            server.reset()
            active = queue.map { Active(queue: $0, interrupts: interrupts) }
        }
    }

    public func notify(queue: Int) {
        guard queue == 0, !scheduled.exchange(true, ordering: .acquiringAndReleasing) else { return }
        worker.async { [self] in drain() }
    }

    /// Fids the guest's session holds (waits for the request in progress).
    public var fidCount: Int { worker.sync { server.fidCount } }

    public func reset() {
        worker.sync {
            active = nil
            server.reset()
        }
    }

    /// Handles available chains, up to `batch` before yielding the worker.
    private func drain() {
        scheduled.store(false, ordering: .releasing)
        // A broken queue waits for the reset it asked for.
        guard let active, active.queue.brokenReason == nil else { return }
        active.queue.disableNotifications()
        for _ in 0..<Self.batch {
            let popped: DescriptorChain?
            do {
                popped = try active.queue.pop()
            } catch {
                active.interrupts.deviceNeedsReset()
                return
            }
            guard var chain = popped else {
                if active.queue.enableNotifications() { continue }
                return
            }
            let written = serve(&chain)
            try? active.queue.push(chain, written: written)
            if active.queue.needsInterrupt() { active.interrupts.usedBuffers(queue: 0) }
        }
        notify(queue: 0)
    }

    /// Answers one chain; returns the bytes written to its writable part.
    private func serve(_ chain: inout DescriptorChain) -> UInt32 {
        var probe = chain
        guard let lengths = try? probe.measure(), lengths.readable > 0 else { return 0 }
        guard let length = try? chain.read(into: request) else { return 0 }
        let room = Int(min(lengths.writable, UInt64(response.count)))
        let n = server.handle(request: UnsafeRawBufferPointer(rebasing: request[0..<length]),
                              response: UnsafeMutableRawBufferPointer(rebasing: response[0..<room]))
        guard n > 0, let written = try? chain.write(UnsafeRawBufferPointer(rebasing: response[0..<n])) else { return 0 }
        return UInt32(written)
    }
}

/// Why a 9P share could not be set up.
public enum NinePDeviceError: Error, Equatable, CustomStringConvertible {
    /// The mount tag is empty or longer than 64 bytes.
    case badTag(String)
    /// The shared directory cannot be opened (missing, not a directory, or not permitted).
    case cannotOpenShare(path: String, errno: UInt32)

    public var description: String {
        switch self {
        case .badTag(let tag):
            "--share: the mount tag '\(tag)' must be 1 to \(ShareConfiguration.maximumTagLength) bytes"
        case .cannotOpenShare(let path, let errno):
            "--share: cannot open '\(path)' as a directory (errno \(errno)); give an existing directory"
        }
    }
}
#endif
