import Machine
import Synchronization

/// The National Semiconductor 16550A UART as QEMU's `virt` boards wire it: eight 8-bit
/// registers at a stride of one byte (three address lines, so offsets alias modulo 8).
///
/// Register map (PC16550D data sheet, table II; offset: read / write):
/// 0 RBR / THR (DLL when LCR.DLAB), 1 IER (DLM when LCR.DLAB), 2 IIR / FCR, 3 LCR, 4 MCR,
/// 5 LSR, 6 MSR, 7 SCR.
///
/// Output is synchronous: a byte written to THR goes to the `CharBackend` at once, so the
/// transmitter is always empty (LSR.THRE and LSR.TEMT stay set). Input waits in the backend
/// and is pulled into the receive FIFO (16 bytes, or a single holding register when the FIFO
/// is off) whenever the guest looks at the receiver or the backend reports new input.
/// Baud rate, word length and parity are stored for the guest to read back and otherwise
/// ignored. Wider accesses use the low byte, as a byte-lane-wired part would.
public final class NS16550A: MMIODevice, @unchecked Sendable {
    private let backend: any CharBackend
    private let state: Mutex<UARTRegisters>

    /// A UART writing to and reading from `backend`, signalling on `interrupt`.
    public init(backend: any CharBackend, interrupt: InterruptLine) {
        self.backend = backend
        self.state = Mutex(UARTRegisters(interrupt: interrupt))
        backend.inputAvailable = { [weak self] in self?.receiveFromBackend() }
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        state.withLock { registers in
            registers.read(UARTRegister(rawValue: UInt8(offset & 7))!, backend: backend)
        }.zeroExtended
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        state.withLock { registers in
            registers.write(UARTRegister(rawValue: UInt8(offset & 7))!, UInt8(truncatingIfNeeded: value), backend: backend)
        }
    }

    /// Pulls host input into the receive FIFO and updates the interrupt; called by the backend.
    private func receiveFromBackend() {
        state.withLock { registers in
            registers.refill(from: backend)
            registers.updateInterrupt()
        }
    }
}

/// Register offsets of the 16550A (PC16550D data sheet, table II).
enum UARTRegister: UInt8 {
    case data = 0, interruptEnable, interruptIdentification, lineControl, modemControl, lineStatus, modemStatus, scratch
}

private extension UInt8 {
    var zeroExtended: UInt64 { UInt64(self) }
}

/// Bit positions of the 16550A registers (PC16550D data sheet, sections 8.4-8.9).
enum UARTBits {
    // IER
    static let receivedDataInterrupt: UInt8 = 0x01
    static let transmitterEmptyInterrupt: UInt8 = 0x02
    static let lineStatusInterrupt: UInt8 = 0x04
    static let modemStatusInterrupt: UInt8 = 0x08
    // IIR identification codes, highest priority first
    static let iirLineStatus: UInt8 = 0x06
    static let iirReceivedData: UInt8 = 0x04
    static let iirCharacterTimeout: UInt8 = 0x0C
    static let iirTransmitterEmpty: UInt8 = 0x02
    static let iirModemStatus: UInt8 = 0x00
    static let iirNoInterrupt: UInt8 = 0x01
    static let iirFIFOsEnabled: UInt8 = 0xC0
    // FCR
    static let fifoEnable: UInt8 = 0x01
    static let clearReceiveFIFO: UInt8 = 0x02
    // LCR
    static let divisorLatchAccess: UInt8 = 0x80
    // MCR
    static let loopback: UInt8 = 0x10
    // LSR
    static let dataReady: UInt8 = 0x01
    static let transmitHoldingEmpty: UInt8 = 0x20
    static let transmitterEmpty: UInt8 = 0x40
    // MSR: CTS, DSR, RI, DCD status bits; the low four bits are their deltas
    static let clearToSend: UInt8 = 0x10
    static let dataSetReady: UInt8 = 0x20
    static let dataCarrierDetect: UInt8 = 0x80
}

/// The UART's register state, always used under the device's lock (hence `@unchecked
/// Sendable`: the interrupt controller behind its line is driven from any thread by design).
struct UARTRegisters: @unchecked Sendable {
    let interrupt: InterruptLine
    var interruptEnable: UInt8 = 0
    var fifoControl: UInt8 = 0
    var lineControl: UInt8 = 0
    var modemControl: UInt8 = 0
    var scratch: UInt8 = 0
    var divisorLatch: UInt16 = 0
    /// Modem status lines as the guest sees them (upper nibble) and their deltas (lower nibble).
    var modemStatus: UInt8 = UARTBits.clearToSend | UARTBits.dataSetReady | UARTBits.dataCarrierDetect
    /// "THR empty" interrupt pending: set when the transmitter empties (or the interrupt is
    /// enabled while it is empty), cleared by reading IIR while it is the reported source.
    var transmitterEmptyPending = false
    var receive = ReceiveFIFO()
    /// Last level driven on the interrupt line, so the line is only touched on a change.
    var lineLevel = false

    init(interrupt: InterruptLine) { self.interrupt = interrupt }

    var fifoEnabled: Bool { fifoControl & UARTBits.fifoEnable != 0 }
    var divisorLatchAccess: Bool { lineControl & UARTBits.divisorLatchAccess != 0 }
    var loopback: Bool { modemControl & UARTBits.loopback != 0 }
    /// The receive trigger level chosen by FCR bits 7:6 (1, 4, 8 or 14 bytes).
    var triggerLevel: Int {
        switch fifoControl >> 6 {
        case 0: 1
        case 1: 4
        case 2: 8
        default: 14
        }
    }

    mutating func read(_ register: UARTRegister, backend: any CharBackend) -> UInt8 {
        switch register {
        case .data:
            if divisorLatchAccess { return UInt8(truncatingIfNeeded: divisorLatch) }
            refill(from: backend)
            let byte = receive.pop() ?? 0
            refill(from: backend)
            updateInterrupt()
            return byte
        case .interruptEnable:
            return divisorLatchAccess ? UInt8(truncatingIfNeeded: divisorLatch >> 8) : interruptEnable
        case .interruptIdentification:
            refill(from: backend)
            let identification = pendingInterrupt
            if identification == UARTBits.iirTransmitterEmpty { transmitterEmptyPending = false }
            updateInterrupt()
            return identification | (fifoEnabled ? UARTBits.iirFIFOsEnabled : 0)
        case .lineControl:
            return lineControl
        case .modemControl:
            return modemControl
        case .lineStatus:
            refill(from: backend)
            updateInterrupt()
            return (receive.isEmpty ? 0 : UARTBits.dataReady) | UARTBits.transmitHoldingEmpty | UARTBits.transmitterEmpty
        case .modemStatus:
            let value = modemStatus
            modemStatus &= 0xF0
            updateInterrupt()
            return value
        case .scratch:
            return scratch
        }
    }

    mutating func write(_ register: UARTRegister, _ value: UInt8, backend: any CharBackend) {
        switch register {
        case .data:
            if divisorLatchAccess {
                divisorLatch = (divisorLatch & 0xFF00) | UInt16(value)
                return
            }
            transmit(value, backend: backend)
        case .interruptEnable:
            if divisorLatchAccess {
                divisorLatch = (divisorLatch & 0x00FF) | UInt16(value) << 8
                return
            }
            let wasEnabled = interruptEnable & UARTBits.transmitterEmptyInterrupt != 0
            interruptEnable = value & 0x0F
            if !wasEnabled, interruptEnable & UARTBits.transmitterEmptyInterrupt != 0 {
                transmitterEmptyPending = true
            }
        case .interruptIdentification:
            let enabling = value & UARTBits.fifoEnable != 0
            if enabling != fifoEnabled || value & UARTBits.clearReceiveFIFO != 0 { receive.clear() }
            // Bits 1-2 (clear FIFOs) and 3 (DMA mode) are self-clearing or unused; keep enable and trigger.
            fifoControl = value & 0xC1
            receive.capacity = enabling ? ReceiveFIFO.depth : 1
            refill(from: backend)
        case .lineControl:
            lineControl = value
        case .modemControl:
            let wasLoopback = loopback
            modemControl = value & 0x1F
            if loopback || wasLoopback { updateModemStatusLines() }
        case .lineStatus:
            break // read-only (factory test register on some parts)
        case .modemStatus:
            break // read-only
        case .scratch:
            scratch = value
        }
        updateInterrupt()
    }

    /// Sends one byte: to the host, or back into the receiver in loopback mode.
    mutating func transmit(_ byte: UInt8, backend: any CharBackend) {
        if loopback {
            _ = receive.push(byte)
        } else {
            withUnsafeBytes(of: byte) { backend.write($0) }
        }
        // The shift register empties at once, so "THR empty" becomes pending again.
        transmitterEmptyPending = true
    }

    /// In loopback, MCR's DTR, RTS, OUT1 and OUT2 drive DSR, CTS, RI and DCD; outside it the
    /// modem lines read as a connected, ready peer. Changes set the delta bits.
    mutating func updateModemStatusLines() {
        let lines: UInt8
        if loopback {
            let mcr = modemControl
            lines = (mcr & 0x02) << 3 | (mcr & 0x01) << 5 | (mcr & 0x04) << 4 | (mcr & 0x08) << 4
        } else {
            lines = UARTBits.clearToSend | UARTBits.dataSetReady | UARTBits.dataCarrierDetect
        }
        let old = modemStatus & 0xF0
        var deltas = modemStatus & 0x0F
        let changed = (old ^ lines) >> 4
        deltas |= changed & 0x0B // DCTS, DDSR, DDCD
        if old & 0x40 != 0, lines & 0x40 == 0 { deltas |= 0x04 } // TERI: RI went from on to off
        modemStatus = lines | deltas
    }

    /// Moves waiting host input into the FIFO while there is room (not in loopback mode,
    /// where the receiver listens to the transmitter only).
    mutating func refill(from backend: any CharBackend) {
        guard !loopback else { return }
        while !receive.isFull, let byte = backend.readByte() { _ = receive.push(byte) }
    }

    /// The highest-priority pending interrupt source, as an IIR identification code
    /// (data sheet table IV): line status, received data (or character timeout below the
    /// trigger level), THR empty, modem status.
    var pendingInterrupt: UInt8 {
        let enabled = interruptEnable
        if enabled & UARTBits.receivedDataInterrupt != 0, !receive.isEmpty {
            if fifoEnabled, receive.count < triggerLevel { return UARTBits.iirCharacterTimeout }
            return UARTBits.iirReceivedData
        }
        if enabled & UARTBits.transmitterEmptyInterrupt != 0, transmitterEmptyPending { return UARTBits.iirTransmitterEmpty }
        if enabled & UARTBits.modemStatusInterrupt != 0, modemStatus & 0x0F != 0 { return UARTBits.iirModemStatus }
        return UARTBits.iirNoInterrupt
    }

    /// Drives the interrupt line to match the pending sources (OUT2 is not required to
    /// gate it, as on QEMU's virt boards).
    mutating func updateInterrupt() {
        let level = pendingInterrupt != UARTBits.iirNoInterrupt
        guard level != lineLevel else { return }
        lineLevel = level
        interrupt.set(level)
    }
}

/// The receive FIFO: a fixed ring of 16 bytes, limited to one byte when FIFOs are off.
struct ReceiveFIFO {
    static let depth = 16
    private var bytes = [UInt8](repeating: 0, count: ReceiveFIFO.depth)
    private var head = 0
    private(set) var count = 0
    var capacity = 1 {
        didSet { count = min(count, capacity) }
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count >= capacity }

    mutating func push(_ byte: UInt8) -> Bool {
        guard !isFull else { return false }
        bytes[(head + count) % ReceiveFIFO.depth] = byte
        count += 1
        return true
    }

    mutating func pop() -> UInt8? {
        guard count > 0 else { return nil }
        let byte = bytes[head]
        head = (head + 1) % ReceiveFIFO.depth
        count -= 1
        return byte
    }

    mutating func clear() {
        head = 0
        count = 0
    }
}
