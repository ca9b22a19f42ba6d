import Foundation
import Machine
import Testing
@testable import Virtio
@testable import VirtioDriver

/// Interrupts raised from a device thread while the vCPU acknowledges them: the line never
/// stays low while a cause is pending.
@Suite struct InterruptRaceTests {
    @Test func mmioLineFollowsStatusUnderConcurrentSignals() throws {
        let f = TransportFixture(.mmio)
        try f.initialize(.split)
        let transport = f.mmio!
        let d = f.driver as! VirtioMMIODriver
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for i in 0..<20_000 {
                if i % 2 == 0 { transport.signalQueue(0) } else { transport.signalConfig() }
            }
            done.signal()
        }
        var acknowledged = 0
        while done.wait(timeout: .now()) == .timedOut {
            acknowledged += Int(d.interruptCause() != 0 ? 1 : 0)
        }
        // Every cause left behind must be visible on the line.
        let pending = d.read(0x060)
        #expect(f.intxLevel == (pending != 0))
        _ = d.interruptCause()
        #expect(!f.intxLevel)
        #expect(acknowledged > 0)
    }
}
