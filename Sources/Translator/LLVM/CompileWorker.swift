import Foundation
import Synchronization

/// The background compile thread of the `auto` tier: takes `RegionRequest`s from a bounded
/// queue, compiles them with the shared `LLVMCompiler`, and hands finished code back to the
/// vCPU, which it wakes with an exit-flag bit so the code is installed at a safe point.
final class CompileWorker: Sendable {
    struct Finished: Sendable {
        var request: RegionRequest
        var result: Result<CompiledCode, JITError>
        var nanoseconds: UInt64
    }

    private struct Queues {
        var requests: [RegionRequest] = []
        var finished: [Finished] = []
        var stopping = false
    }

    /// Requests waiting at most; `enqueue` refuses more (the block stays interpreted for now).
    static let queueLimit = 64
    private let queues = Mutex(Queues())
    private let wakeup = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    init(compiler: LLVMCompiler, notify: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in self.loop(compiler: compiler, notify: notify) }
        thread.name = "xemu-llvm"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// Queues a request; false when the queue is full.
    func enqueue(_ request: RegionRequest) -> Bool {
        let accepted = queues.withLock { q in
            guard q.requests.count < Self.queueLimit else { return false }
            q.requests.append(request)
            return true
        }
        if accepted { wakeup.signal() }
        return accepted
    }

    /// Takes the compiled regions finished so far.
    func takeFinished() -> [Finished] {
        queues.withLock { q in
            let taken = q.finished
            q.finished.removeAll()
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
                return q.requests.isEmpty ? nil : q.requests.removeFirst()
            }
            guard let request = next else {
                if queues.withLock({ $0.stopping }) { break }
                continue
            }
            let start = ContinuousClock.now
            let result = Result { () throws(JITError) in try compiler.compile(request) }
            let elapsed = ContinuousClock.now - start
            let nanoseconds = JITTier.nanoseconds(elapsed)
            queues.withLock { $0.finished.append(Finished(request: request, result: result, nanoseconds: nanoseconds)) }
            notify()
        }
        // Free code nobody will install.
        for finished in takeFinished() {
            if case .success(let code) = finished.result { compiler.remove(code) }
        }
        done.signal()
    }
}
