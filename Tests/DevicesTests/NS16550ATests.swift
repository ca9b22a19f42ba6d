import Testing
@testable import Devices
import Machine

@Suite struct NS16550ATests {
    let backend = FakeCharBackend()
    let controller = FakeInterruptController()
    let uart: NS16550A

    // Register offsets
    let rbr: UInt64 = 0, ier: UInt64 = 1, iir: UInt64 = 2, lcr: UInt64 = 3, mcr: UInt64 = 4, lsr: UInt64 = 5, msr: UInt64 = 6, scr: UInt64 = 7

    init() {
        uart = NS16550A(backend: backend, interrupt: InterruptLine(controller: controller, line: 10))
    }

    @Test func transmitsEachByteAndIsAlwaysEmpty() {
        for byte in "hi!".utf8 { uart.write(offset: rbr, size: 1, value: UInt64(byte)) }
        #expect(backend.output == Array("hi!".utf8))
        #expect(uart.read(offset: lsr, size: 1) == 0x60)
    }

    @Test func widerAccessesUseTheLowByte() {
        uart.write(offset: rbr, size: 4, value: 0x1234_5641)
        #expect(backend.output == [0x41])
        uart.write(offset: scr, size: 8, value: 0xFFFF_FF5A)
        #expect(uart.read(offset: scr, size: 4) == 0x5A)
        #expect(uart.read(offset: lsr, size: 8) == 0x60)
        #expect(uart.read(offset: scr + 8, size: 1) == 0x5A) // three address lines: offsets alias
    }

    @Test func divisorLatchSharesOffsetsZeroAndOne() {
        uart.write(offset: ier, size: 1, value: 0x05)
        uart.write(offset: lcr, size: 1, value: 0x83)
        uart.write(offset: rbr, size: 1, value: 0x01)
        uart.write(offset: ier, size: 1, value: 0x02)
        #expect(uart.read(offset: rbr, size: 1) == 0x01)
        #expect(uart.read(offset: ier, size: 1) == 0x02)
        #expect(backend.output.isEmpty)
        uart.write(offset: lcr, size: 1, value: 0x03)
        #expect(uart.read(offset: ier, size: 1) == 0x05)
        #expect(uart.read(offset: lcr, size: 1) == 0x03)
    }

    @Test func receivesInputWithDataReady() {
        #expect(uart.read(offset: lsr, size: 1) & 1 == 0)
        backend.type([0x61, 0x62])
        #expect(uart.read(offset: lsr, size: 1) & 1 == 1)
        #expect(uart.read(offset: rbr, size: 1) == 0x61)
        #expect(uart.read(offset: lsr, size: 1) & 1 == 1)
        #expect(uart.read(offset: rbr, size: 1) == 0x62)
        #expect(uart.read(offset: lsr, size: 1) & 1 == 0)
        #expect(uart.read(offset: rbr, size: 1) == 0)
    }

    @Test func fifoEnableShowsInIIRAndHoldsSixteenBytes() {
        #expect(uart.read(offset: iir, size: 1) == 0x01)
        uart.write(offset: iir, size: 1, value: 0xC7)
        #expect(uart.read(offset: iir, size: 1) == 0xC1)
        backend.type(Array(0..<20))
        let received = (0..<20).map { _ in UInt8(uart.read(offset: rbr, size: 1)) }
        #expect(received == Array(0..<20))
        uart.write(offset: iir, size: 1, value: 0x00)
        #expect(uart.read(offset: iir, size: 1) == 0x01)
    }

    @Test func receivedDataInterruptRisesAndFallsWithTheData() {
        uart.write(offset: ier, size: 1, value: 0x01)
        #expect(!controller.level(10))
        backend.type([0x7A])
        #expect(controller.level(10))
        #expect(uart.read(offset: iir, size: 1) == 0x04)
        #expect(uart.read(offset: rbr, size: 1) == 0x7A)
        #expect(!controller.level(10))
        #expect(uart.read(offset: iir, size: 1) == 0x01)
    }

    @Test func transmitterEmptyInterruptClearedByReadingIIRAndRearmedByWrite() {
        uart.write(offset: ier, size: 1, value: 0x02)
        #expect(controller.level(10))
        #expect(uart.read(offset: iir, size: 1) == 0x02)
        #expect(!controller.level(10))
        #expect(uart.read(offset: iir, size: 1) == 0x01)
        uart.write(offset: rbr, size: 1, value: 0x41)
        #expect(controller.level(10))
        uart.write(offset: ier, size: 1, value: 0x00)
        #expect(!controller.level(10))
    }

    @Test func iirReportsTheHighestPrioritySourceFirst() {
        uart.write(offset: mcr, size: 1, value: 0x10) // loopback: modem lines change
        uart.write(offset: mcr, size: 1, value: 0x13) // DTR and RTS drive DSR and CTS
        backend.type([0x33])
        uart.write(offset: ier, size: 1, value: 0x0B)
        uart.write(offset: rbr, size: 1, value: 0x55) // looped back into the receiver
        #expect(uart.read(offset: iir, size: 1) == 0x04) // received data beats THR empty
        #expect(uart.read(offset: rbr, size: 1) == 0x55)
        #expect(uart.read(offset: iir, size: 1) == 0x02) // then THR empty (cleared by this read)
        #expect(uart.read(offset: iir, size: 1) == 0x00) // then modem status
        #expect(uart.read(offset: msr, size: 1) == 0x3B) // CTS, DSR; deltas of CTS, DSR and DCD (dropped)
        #expect(uart.read(offset: iir, size: 1) == 0x01)
        #expect(!controller.level(10))
        #expect(backend.output.isEmpty)
    }

    @Test func characterTimeoutBelowTheTriggerLevel() {
        uart.write(offset: iir, size: 1, value: 0x81) // FIFO on, trigger at 8 bytes
        uart.write(offset: ier, size: 1, value: 0x01)
        backend.type([1, 2, 3])
        #expect(uart.read(offset: iir, size: 1) == 0xCC)
        backend.type(Array(4...9))
        #expect(uart.read(offset: iir, size: 1) == 0xC4)
    }

    @Test func modemStatusReadsAsConnectedPeerOutsideLoopback() {
        #expect(uart.read(offset: msr, size: 1) == 0xB0)
        #expect(uart.read(offset: mcr, size: 1) == 0)
        uart.write(offset: mcr, size: 1, value: 0xFF)
        #expect(uart.read(offset: mcr, size: 1) == 0x1F)
    }

    /// The register sequence of the guest program Tests/GuestPrograms/riscv64/tests/uart.c,
    /// whose expectations QEMU's UART also meets.
    @Test func meetsTheGuestUARTProgram() {
        func r(_ offset: UInt64) -> UInt64 { uart.read(offset: offset, size: 1) }
        func w(_ offset: UInt64, _ value: UInt64) { uart.write(offset: offset, size: 1, value: value) }
        w(scr, 0x5A)
        #expect(r(scr) == 0x5A)
        #expect(r(lsr) & 0x60 == 0x60)
        w(lcr, 0x80)
        w(rbr, 0x0C)
        w(ier, 0x01)
        #expect(r(rbr) == 0x0C && r(ier) == 0x01)
        w(lcr, 0x00)
        #expect(r(ier) == 0x00)
        w(iir, 0x07)
        #expect(r(iir) & 0xC0 == 0xC0)
        w(iir, 0x00)
        #expect(r(iir) == 0x01)
        w(ier, 0x02)
        #expect(r(iir) & 0x0F == 0x02)
        #expect(r(iir) & 0x0F == 0x01)
        w(ier, 0x00)
        w(mcr, 0x10)
        #expect(r(lsr) & 1 == 0)
        w(rbr, 0x5A)
        #expect(r(lsr) & 1 == 1)
        #expect(r(rbr) == 0x5A)
        w(mcr, 0x13)
        #expect(r(msr) & 0xF0 == 0x30)
        w(mcr, 0x1C)
        #expect(r(msr) & 0xF0 == 0xC0)
        w(mcr, 0x00)
        #expect(r(lsr) & 0x61 == 0x60)
        #expect(backend.output.isEmpty)
    }
}
