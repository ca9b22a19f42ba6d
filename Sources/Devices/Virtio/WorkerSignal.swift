#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mutex with one condition variable: how a virtio device's I/O workers guard their queue
/// state and sleep until the driver notifies (or the device resets).
///
/// `Synchronization.Mutex` has no condition variable, so this wraps the pthread pair, kept at
/// a stable heap address as pthreads requires. The caller brackets every access to the state it
/// guards with `lock()` / `unlock()`; `wait()` is called with the lock held.
final class WorkerSignal: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    @inline(__always) func lock() { pthread_mutex_lock(mutex) }
    @inline(__always) func unlock() { pthread_mutex_unlock(mutex) }
    /// Releases the lock, sleeps until signalled, and takes the lock again (spurious wake-ups
    /// happen: callers wait in a loop on their own condition).
    @inline(__always) func wait() { pthread_cond_wait(condition, mutex) }
    /// Wakes one waiting thread.
    @inline(__always) func signal() { pthread_cond_signal(condition) }
    /// Wakes every waiting thread.
    @inline(__always) func broadcast() { pthread_cond_broadcast(condition) }
}
