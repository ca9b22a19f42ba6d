import Machine

/// One host thread that does a virtio device's work whenever events are posted to it: the
/// I/O context of the console and entropy devices, so `notify(queue:)` on the vCPU thread only
/// posts a bit and returns.
///
/// Events are bits of a `UInt32` accumulated while the thread is busy and handed to `body`
/// together; `body` runs without the lock, on the thread only. `stop()` returns once the
/// thread has finished its current batch and exited.
final class DeviceEventThread: @unchecked Sendable {
    private let signal = WorkerSignal()
    // Guarded by `signal`.
    private var pending: UInt32 = 0
    private var stopping = false
    private var thread: HostThread?

    /// Starts the thread; `body` gets each batch of posted events.
    func start(_ body: @escaping @Sendable (UInt32) -> Void) {
        signal.lock()
        stopping = false
        pending = 0
        thread = HostThread { [self] in
            signal.lock()
            while true {
                while pending == 0 && !stopping { signal.wait() }
                if stopping { break }
                let events = pending
                pending = 0
                signal.unlock()
                body(events)
                signal.lock()
            }
            signal.unlock()
        }
        signal.unlock()
    }

    /// Posts `events` (callable from any thread; never blocks for long).
    func post(_ events: UInt32) {
        signal.lock()
        pending |= events
        signal.signal()
        signal.unlock()
    }

    /// Stops the thread after its current batch and waits for it.
    func stop() {
        signal.lock()
        stopping = true
        signal.signal()
        let running = thread
        thread = nil
        signal.unlock()
        running?.join()
    }
}
