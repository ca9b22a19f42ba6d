import Dispatch
import Machine
import Synchronization

/// Why and when a running machine stops, shared by every thread that can end a run: the
/// power-off device, the console's Ctrl-A x, the `--timeout` timer.
///
/// The first reason wins; later ones are ignored, so a guest that powers off just as the
/// timeout fires reports one consistent outcome. Recording a reason wakes the vCPU loop (it
/// may be sleeping in WFI) through `stopHart`.
final class MachineStop: Sendable {
    private let reason = Mutex<MachineExit?>(nil)
    /// Signalled when an interrupt line goes high and on stop, so a sleeping WFI re-checks.
    let wakeup = DispatchSemaphore(value: 0)
    private let stopHart: @Sendable () -> Void

    init(stopHart: @escaping @Sendable () -> Void) { self.stopHart = stopHart }

    /// The recorded reason, if the machine is stopping.
    var exit: MachineExit? { reason.withLock { $0 } }

    func finish(_ exit: MachineExit) {
        let first = reason.withLock { value -> Bool in
            guard value == nil else { return false }
            value = exit
            return true
        }
        guard first else { return }
        stopHart()
        wakeup.signal()
    }

    /// Ends the run with `.timedOut` after `seconds` of wall time.
    func armTimeout(seconds: Double) {
        let nanoseconds = Int(min(seconds * 1e9, Double(Int.max / 2)))
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
            finish(.timedOut)
        }
    }
}
