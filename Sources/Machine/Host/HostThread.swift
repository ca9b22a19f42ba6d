#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A host thread running one closure, joinable: the event loop's, the console reader's and the
/// virtio devices' I/O workers.
///
/// A plain pthread rather than Foundation's `Thread`, so the Machine module needs no Foundation.
public final class HostThread: @unchecked Sendable {
    private let thread: pthread_t

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread. Failing to create a thread means the host is out of
    /// resources at start-up, which xemu cannot run without.
    public init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        precondition(result == 0, "cannot create a host thread (error \(result))")
        self.thread = thread
    }

    /// Waits for the thread's closure to return.
    public func join() {
        pthread_join(thread, nil)
    }
}
