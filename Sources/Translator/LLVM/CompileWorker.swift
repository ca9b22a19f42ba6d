import Foundation
import Synchronization

/// The background compile thread of the `auto` tier: takes `RegionRequest`s from a bounded
/// queue, compiles them with the shared `LLVMCompiler`, and hands finished code back to the
/// vCPU, which it wakes with an exit-flag bit so the code is installed at a safe point.
///
/// The queue is last in, first out: the newest request is the code running now, while old
/// ones may belong to a phase the guest has left (a Linux boot passes through hundreds of
/// short-lived hot spots). A full queue drops its oldest request, which goes back to the vCPU
/// so its block can ask again if it stays hot.
final class CompileWorker: Sendable {
    struct Finished: Sendable {
        var request: RegionRequest
        var result: Result<CompiledCode, JITError>
        var nanoseconds: UInt64
        /// The part of `nanoseconds` spent in LLVM code generation (after the IR passes).
        var codeGenNanoseconds: UInt64
        /// CPU time of the compile thread during the compile.
        var cpuNanoseconds: UInt64
    }

    private struct Queues {
        var requests: [RegionRequest] = []
        var finished: [Finished] = []
        var dropped: [RegionRequest] = []
        var stopping = false
    }

    /// Requests waiting at most; a full queue drops its oldest.
    static let queueLimit = 16
    private let queues = Mutex(Queues())
    private let wakeup = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(compiler: LLVMCompiler, notify: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in self.loop(compiler: compiler, notify: notify) }
        thread.name = "xemu-llvm"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// Queues a request, dropping the oldest waiting one when the queue is full.
    func enqueue(_ request: RegionRequest) {
        queues.withLock { q in
            if q.requests.count >= Self.queueLimit { q.dropped.append(q.requests.removeFirst()) }
            q.requests.append(request)
        }
        wakeup.signal()
    }

    /// Takes the compiled regions finished so far and the requests dropped unfinished.
    func takeFinished() -> (finished: [Finished], dropped: [RegionRequest]) {
        queues.withLock { q in
            let taken = (q.finished, q.dropped)
            q.finished.removeAll()
            q.dropped.removeAll()
            return taken
        }
    }

    /// Stops the thread after its current compile and waits for it.
    func stop() {
        queues.withLock { $0.stopping = true }
        wakeup.signal()
        done.wait()
    }

    private func loop(compiler: LLVMCompiler, notify: @Sendable () -> Void) {
        while true {
            wakeup.wait()
            let next: RegionRequest? = queues.withLock { q in
                if q.stopping { return nil }
                return q.requests.popLast()
            }
            guard let request = next else {
                if queues.withLock({ $0.stopping }) { break }
                continue
            }
            let finished = compiler.timedCompile(request)
            queues.withLock { $0.finished.append(finished) }
            notify()
        }
        // Free code nobody will install.
        for finished in takeFinished().finished {
            if case .success(let code) = finished.result { compiler.remove(code) }
        }
        done.signal()
    }
}
