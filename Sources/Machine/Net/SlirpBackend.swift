import CSlirp
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// QEMU-style user-mode networking (`--netdev user`) on libslirp 4.7: the guest sits on
/// 10.0.2.0/24 behind a virtual router at 10.0.2.2 that does DHCP (the guest gets 10.0.2.15),
/// forwards DNS from 10.0.2.3 to the host's resolver, turns the guest's TCP and UDP flows into
/// host sockets (10.0.2.2 itself is the host's loopback) and forwards host ports into the guest.
///
/// Everything slirp does runs on the event loop's thread: the backend takes part in every
/// iteration (slirp's sockets go into the poll set and its timeout bounds the wait), slirp's
/// timers are `MachineTimer`s of the loop's `TimerQueue`, and frames for the guest reach the
/// receiver from inside those calls. IPv6 is off. The backend lives until `close()`.
public final class SlirpBackend: NetBackend, EventLoopParticipant, @unchecked Sendable {
    /// The guest network, netmask, router, first DHCP address and DNS forwarder, as in QEMU.
    public static let network = "10.0.2.0", netmask = "255.255.255.0", gateway = "10.0.2.2"
    public static let guestAddress = "10.0.2.15", nameserver = "10.0.2.3"
    /// The router's Ethernet address (libslirp's fixed choice).
    public static let gatewayMAC: [UInt8] = [0x52, 0x55, 0x0A, 0x00, 0x02, 0x02]
    /// The largest IP packet slirp sends or takes (the guest's MTU).
    public static let mtu = 1500

    public let eventLoop: EventLoop
    /// The libslirp instance; used on the loop's thread only (and in init/deinit, before the
    /// loop knows the backend and after it forgot it).
    private var slirp: OpaquePointer!
    /// The callback table slirp keeps a pointer to for its whole life.
    private let callbacks: UnsafeMutablePointer<SlirpCb>
    private let receiverBox = Mutex<WeakReceiver>(WeakReceiver())
    private let stats = Mutex(SlirpStatistics())

    private struct WeakReceiver { weak var receiver: (any NetFrameReceiver)? }

    /// Starts a slirp stack with `configuration`'s host forwards and adds it to `eventLoop`.
    public init(configuration: NetdevConfiguration, eventLoop: EventLoop) throws(NetBackendError) {
        self.eventLoop = eventLoop
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: SlirpCallbacks.table)
        var config = SlirpConfig()
        config.version = 4
        config.restricted = 0
        config.in_enabled = true
        config.vnetwork = try Self.address(Self.network)
        config.vnetmask = try Self.address(Self.netmask)
        config.vhost = try Self.address(Self.gateway)
        config.in6_enabled = false
        config.vdhcp_start = try Self.address(Self.guestAddress)
        config.vnameserver = try Self.address(Self.nameserver)
        config.if_mtu = Self.mtu
        config.if_mru = Self.mtu
        config.disable_host_loopback = false
        config.enable_emu = false
        let opaque = Unmanaged.passUnretained(self).toOpaque()
        // Every stored property is set by now, so a throw below still runs deinit, which
        // frees the callback table and whatever slirp instance exists.
        guard let stack = slirp_new(&config, callbacks, opaque) else { throw .slirpUnavailable }
        slirp = stack
        for forward in configuration.hostForwards {
            let host = try Self.address(forward.hostAddress)
            let guest = try forward.guestAddress.map { address throws(NetBackendError) in try Self.address(address) }
                ?? in_addr(s_addr: 0)
            let result = slirp_add_hostfwd(stack, forward.transport == .udp ? 1 : 0, host, Int32(forward.hostPort),
                                           guest, Int32(forward.guestPort))
            guard result >= 0 else { throw .hostForwardFailed(forward) }
        }
        eventLoop.add(self)
    }

    deinit {
        if let slirp { slirp_cleanup(slirp) }
        callbacks.deallocate()
    }

    /// Takes the backend out of the event loop; it stops once the loop lets go of it.
    public func close() {
        eventLoop.remove(self)
    }

    /// What slirp has done so far.
    public var statistics: SlirpStatistics { stats.withLock { $0 } }

    public func setReceiver(_ receiver: (any NetFrameReceiver)?) {
        receiverBox.withLock { $0.receiver = receiver }
    }

    public func send(_ frame: UnsafeRawBufferPointer) {
        guard let base = frame.baseAddress, frame.count > 0, frame.count <= Int(Int32.max) else { return }
        stats.withLock { $0.framesFromGuest &+= 1 }
        slirp_input(slirp, base.assumingMemoryBound(to: UInt8.self), Int32(frame.count))
    }

    // MARK: Event loop participation

    public func preparePoll(_ set: inout PollSet) -> UInt64? {
        var timeout = UInt32.max
        withUnsafeMutablePointer(to: &set) { pointer in
            slirp_pollfds_fill(slirp, &timeout, SlirpCallbacks.addPoll, UnsafeMutableRawPointer(pointer))
        }
        return timeout == UInt32.max ? nil : UInt64(timeout) * 1_000_000
    }

    public func dispatchPoll(_ set: borrowing PollSet) {
        withUnsafePointer(to: set) { pointer in
            slirp_pollfds_poll(slirp, 0, SlirpCallbacks.revents, UnsafeMutableRawPointer(mutating: pointer))
        }
    }

    // MARK: Called from SlirpCallbacks, on the loop's thread

    func deliver(_ frame: UnsafeRawBufferPointer) {
        stats.withLock { $0.framesToGuest &+= 1 }
        receiverBox.withLock { $0.receiver }?.receive(frame)
    }

    func guestError() {
        stats.withLock { $0.guestErrors &+= 1 }
    }

    func handleTimer(_ id: SlirpTimerId, _ context: UnsafeMutableRawPointer?) {
        slirp_handle_timer(slirp, id, context)
    }

    var clockNanoseconds: Int64 { Int64(clamping: eventLoop.timers.clock.now) }

    static func address(_ text: String) throws(NetBackendError) -> in_addr {
        var address = in_addr()
        guard inet_pton(AF_INET, text, &address) == 1 else { throw .badAddress(text) }
        return address
    }
}

/// Counters of a `SlirpBackend`.
public struct SlirpStatistics: Sendable, Equatable {
    /// Frames the guest sent into slirp.
    public var framesFromGuest: UInt64 = 0
    /// Frames slirp sent to the guest.
    public var framesToGuest: UInt64 = 0
    /// Times slirp reported guest misbehaviour (malformed packets and the like).
    public var guestErrors: UInt64 = 0
}
