import Foundation
import Synchronization

/// The background compile thread of the `auto` tier: takes `RegionRequest`s from a bounded
/// queue, compiles them with the shared `LLVMCompiler`, and hands finished code back to the
/// vCPU, which it wakes with an exit-flag bit so the code is installed at a safe point.
///
/// The queue is last in, first out: the newest request is the code running now, while old
/// ones may belong to a phase the guest has left (a Linux boot passes through hundreds of
/// short-lived hot spots). A full queue drops its oldest request, which goes back to the vCPU
/// so its block can ask again if it stays hot. Quick requests waiting together compile as one
/// batch (`takeBatch`), which costs less than compiling them one by one.
///
/// The thread runs at a lower priority than the vCPU (`niceness`). On a host with a core to
/// spare it gets that core all the same, but on a busy one it shared the vCPU's: in a kernel
/// boot on a loaded 2-core host, the vCPU thread waited on the run queue about as long as the
/// compile thread ran (2.0-2.4 s of a 5.3-5.6 s boot, against 0.1-0.2 s under --jit interp).
final class CompileWorker: Sendable {
    /// A compiled request; the times are its share of its batch's (`LLVMCompiler.timedCompile`).
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

    /// The compile thread's nice value. On a core it shares with the vCPU it gets about a tenth
    /// of the time (CFS weights 110 against 1024): enough for the hottest regions, while 19
    /// (weight 15) left a loaded host's boot all but uncompiled.
    static let niceness: Int32 = 10
    /// The nice value the compile thread runs at, once it has started (for tests).
    let appliedNiceness = Atomic<Int32>(.min)

    init(compiler: LLVMCompiler, notify: @escaping @Sendable () -> Void) {
        let thread = Thread { [self] in
            self.lowerPriority()
            self.loop(compiler: compiler, notify: notify)
        }
        thread.name = "xemu-llvm"
        thread.start()
    }

    /// Sets the calling thread's nice value to `niceness` (Linux keeps one per thread; who 0 is
    /// the calling thread).
    private func lowerPriority() {
        #if os(Linux)
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        _ = setpriority(which, 0, Self.niceness)
        errno = 0
        let value = getpriority(which, 0)
        appliedNiceness.store(errno == 0 ? value : .min, ordering: .releasing)
        #else
        Thread.current.qualityOfService = .utility
        #endif
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

    /// Quick requests compiled together at most (`LLVMCompiler.compile(_:codeGenStart:)`).
    static let batchLimit = 4
    /// Requests waiting (the newest included) from which the newest quick one takes others into
    /// its batch. A batch is installed when its last region is compiled, which delays the
    /// newest request, the code running now: with every waiting request batched, the compute
    /// benchmark (a few hot loops, a short queue) had a 1-12% slower median in four of five
    /// interleaved sets on a loaded host (equal in the fifth). A queue this deep is behind
    /// anyway, and its oldest requests are about to be dropped.
    static let batchDepth = 8

    /// The next compile: the newest quick request (the newest optimised one when none is
    /// quick), and if it is quick and at least `batchDepth` requests wait, the newest other
    /// quick ones waiting, up to `batchLimit`. An optimised request compiles alone.
    ///
    /// Quick requests go first: they are code still interpreted, while an optimised recompile
    /// only speeds up code already compiled, and takes about five times as long. With
    /// recompiles from 1 M instructions, a kernel boot queued 174 of them (more than half the
    /// compile thread's time); quick first, the boot took 2.83 s against 2.96 s (medians of 7
    /// interleaved runs; QEMU 2.82 s), and the compute benchmark 0.63 s against 0.62 s.
    static func takeBatch(from requests: inout [RegionRequest]) -> [RegionRequest] {
        let depth = requests.count
        guard !requests.isEmpty else { return [] }
        let newest = requests.remove(at: requests.lastIndex { $0.tier == .quick } ?? requests.count - 1)
        var batch = [newest]
        guard newest.tier == .quick, depth >= batchDepth else { return batch }
        var index = requests.count - 1
        while index >= 0, batch.count < batchLimit {
            if requests[index].tier == .quick { batch.append(requests.remove(at: index)) }
            index -= 1
        }
        return batch
    }

    private func loop(compiler: LLVMCompiler, notify: @Sendable () -> Void) {
        while true {
            wakeup.wait()
            let batch: [RegionRequest]? = queues.withLock { q in
                if q.stopping { return nil }
                return Self.takeBatch(from: &q.requests)
            }
            guard let batch else { break }
            // A batch took several signals' requests; their wake-ups find the queue empty.
            guard !batch.isEmpty else { continue }
            let finished = compiler.timedCompile(batch)
            queues.withLock { $0.finished.append(contentsOf: finished) }
            notify()
        }
        // Free code nobody will install.
        for finished in takeFinished().finished {
            if case .success(let code) = finished.result { compiler.remove(code) }
        }
        done.signal()
    }
}
