import Dispatch
import Machine

/// Forwards interrupt-line changes to a CPU and wakes the board's vCPU loop, which may be
/// sleeping in WFI; the CPU alone only notices a line at its next block boundary.
final class WakingInterruptController: InterruptController, @unchecked Sendable {
    private let cpu: any InterruptController
    private let wakeup: DispatchSemaphore

    init(cpu: any InterruptController, wakeup: DispatchSemaphore) {
        self.cpu = cpu
        self.wakeup = wakeup
    }

    func setLevel(line: Int, high: Bool) {
        cpu.setLevel(line: line, high: high)
        if high { wakeup.signal() }
    }
}
