import Foundation
import Machine
import Synchronization
import Testing
@testable import Virtio
@testable import VirtioDriver

/// Interrupts raised from a device thread while the vCPU acknowledges them: when both stop,
/// the line is high exactly when a cause is pending.
@Suite struct InterruptRaceTests {
    @Test func mmioLineFollowsStatusUnderConcurrentSignals() throws {
        let f = TransportFixture(.mmio)
        try f.initialize(.split)
        let transport = f.mmio!
        let d = f.driver as! VirtioMMIODriver
        let stop = Atomic<Bool>(false)
        let sent = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var i = 0
            while !stop.load(ordering: .acquiring) {
                if i % 2 == 0 { transport.signalQueue(0) } else { transport.signalConfig() }
                i += 1
                sent.store(i, ordering: .releasing)
            }
            done.signal()
        }
        // Acknowledge until the device thread has really raced us (it may start late on a
        // loaded machine), within a generous time bound.
        let deadline = Date().addingTimeInterval(30)
        var acknowledged = 0
        while acknowledged < 20_000 || sent.load(ordering: .acquiring) < 1_000, Date() < deadline {
            _ = d.interruptCause()
            acknowledged += 1
        }
        stop.store(true, ordering: .releasing)
        done.wait()
        let pending = d.read(0x060)
        #expect(f.intxLevel == (pending != 0))
        _ = d.interruptCause()
        #expect(!f.intxLevel)
        #expect(sent.load(ordering: .acquiring) > 0)
    }
}

extension InterruptRaceTests {
    @Test func pciINTxFollowsISRUnderConcurrentSignals() throws {
        let f = TransportFixture(.pciINTx)
        try f.initialize(.split)
        let function = f.pci!
        let d = f.driver as! VirtioPCIDriver
        let stop = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var i = 0
            while !stop.load(ordering: .acquiring) {
                if i % 2 == 0 { function.signalQueue(1) } else { function.signalConfig() }
                i += 1
            }
            done.signal()
        }
        for _ in 0..<20_000 { _ = d.interruptCause() }
        stop.store(true, ordering: .releasing)
        done.wait()
        let level = f.intxLevel
        let cause = d.interruptCause()
        #expect(level == (cause != 0))
        #expect(!f.intxLevel)
    }
}
