import CSlirp

/// libslirp's callback table, as capture-free C functions: `opaque` is the `SlirpBackend`
/// (unretained; it outlives its slirp instance), and a timer handle is a retained `SlirpTimer`.
enum SlirpCallbacks {
    static var table: SlirpCb {
        var cb = SlirpCb()
        cb.send_packet = { buffer, length, opaque in
            backend(opaque).deliver(UnsafeRawBufferPointer(start: buffer, count: length))
            return length
        }
        cb.guest_error = { _, opaque in backend(opaque).guestError() }
        cb.clock_get_ns = { opaque in backend(opaque).clockNanoseconds }
        cb.timer_free = { timer, _ in
            guard let timer else { return }
            Unmanaged<SlirpTimer>.fromOpaque(timer).release()
        }
        cb.timer_mod = { timer, expireMilliseconds, _ in
            guard let timer else { return }
            let milliseconds = UInt64(clamping: max(expireMilliseconds, 0))
            let (deadline, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
            Unmanaged<SlirpTimer>.fromOpaque(timer).takeUnretainedValue().timer.schedule(at: overflow ? .max : deadline)
        }
        cb.register_poll_fd = { _, _ in }
        cb.unregister_poll_fd = { _, _ in }
        cb.notify = { opaque in backend(opaque).eventLoop.wake() }
        cb.init_completed = { _, _ in }
        cb.timer_new_opaque = { id, context, opaque in
            let timer = SlirpTimer(backend: backend(opaque), id: id, context: context)
            return Unmanaged.passRetained(timer).toOpaque()
        }
        return cb
    }

    /// `slirp_pollfds_fill`'s add callback: `opaque` is the iteration's `PollSet`.
    static let addPoll: SlirpAddPollCb = { fd, events, opaque in
        let set = opaque!.assumingMemoryBound(to: PollSet.self)
        var wanted: PollEvents = []
        if events & Int32(SLIRP_POLL_IN) != 0 { wanted.insert(.readable) }
        if events & Int32(SLIRP_POLL_OUT) != 0 { wanted.insert(.writable) }
        if events & Int32(SLIRP_POLL_PRI) != 0 { wanted.insert(.priority) }
        return Int32(set.pointee.add(fd, wanted))
    }

    /// `slirp_pollfds_poll`'s result callback: `opaque` is the same `PollSet`, polled.
    static let revents: SlirpGetREventsCb = { index, opaque in
        let set = opaque!.assumingMemoryBound(to: PollSet.self)
        let events = set.pointee.events(at: Int(index))
        var result: Int32 = 0
        if events.contains(.readable) { result |= Int32(SLIRP_POLL_IN) }
        if events.contains(.writable) { result |= Int32(SLIRP_POLL_OUT) }
        if events.contains(.priority) { result |= Int32(SLIRP_POLL_PRI) }
        if events.contains(.error) || events.contains(.invalid) { result |= Int32(SLIRP_POLL_ERR) }
        if events.contains(.hangup) { result |= Int32(SLIRP_POLL_HUP) }
        return result
    }
}

/// The backend a callback's `opaque` names.
private func backend(_ opaque: UnsafeMutableRawPointer?) -> SlirpBackend {
    Unmanaged<SlirpBackend>.fromOpaque(opaque!).takeUnretainedValue()
}

/// One libslirp timer: a `MachineTimer` on the backend's loop whose expiry hands slirp's
/// timer ID and context back to `slirp_handle_timer`.
final class SlirpTimer: @unchecked Sendable {
    let timer: MachineTimer

    init(backend: SlirpBackend, id: SlirpTimerId, context: UnsafeMutableRawPointer?) {
        let expiry = Expiry(backend: backend, id: id, context: context)
        timer = backend.eventLoop.timers.makeTimer { expiry.fire() }
    }

    /// What an expiry needs, weakly holding the backend so a stray timer cannot keep it alive.
    private final class Expiry: @unchecked Sendable {
        weak var backend: SlirpBackend?
        let id: SlirpTimerId
        let context: UnsafeMutableRawPointer?

        init(backend: SlirpBackend, id: SlirpTimerId, context: UnsafeMutableRawPointer?) {
            self.backend = backend
            self.id = id
            self.context = context
        }

        func fire() { backend?.handleTimer(id, context) }
    }
}
