import Machine
import Synchronization

/// The SiFive Core-Local Interruptor as QEMU's riscv64 `virt` board has it (64 KiB at
/// 0x0200_0000): per hart a software-interrupt register `msip` (4 bytes at 4·hart) and a
/// timer compare register `mtimecmp` (8 bytes at 0x4000 + 8·hart), and one shared `mtime`
/// (8 bytes at 0xBFF8) counting at the timebase frequency (10 MHz on `virt`).
///
/// Each hart has two wires into its own interrupt logic: MSIP (mip bit 3) follows `msip`
/// bit 0, and MTIP (mip bit 7) is high while `mtime >= mtimecmp` (RISC-V privileged spec,
/// "Machine Timer Registers"). MTIP is raised at the right time without further guest
/// accesses by a `HostDeadlineTimer`. Registers accept any access width; an access covers
/// the bytes it names within one register, so 32-bit halves of `mtime`/`mtimecmp` work as
/// on hardware. `mtimecmp` resets to all ones (no timer interrupt until programmed).
public final class CLINT: MMIODevice, @unchecked Sendable {
    /// The interrupt wires of one hart.
    public struct HartLines {
        public let software: InterruptLine
        public let timer: InterruptLine

        public init(software: InterruptLine, timer: InterruptLine) {
            self.software = software
            self.timer = timer
        }

        /// MSIP and MTIP wired to `mip` bits 3 and 7 of `controller` (the hart).
        public init(hart controller: any InterruptController) {
            self.init(software: InterruptLine(controller: controller, line: 3), timer: InterruptLine(controller: controller, line: 7))
        }
    }

    /// Size of the CLINT's register region.
    public static let regionSize: UInt64 = 0x1_0000
    static let timeCompareBase: UInt64 = 0x4000
    static let timeOffset: UInt64 = 0xBFF8

    private let timebase: Timebase
    private let state: Mutex<CLINTState>
    private let timer: HostDeadlineTimer

    /// A CLINT for `harts.count` harts counting `timebase` (10 MHz host-monotonic by default).
    public init(harts: [HartLines], timebase: Timebase = .hostMonotonic(frequency: 10_000_000)) {
        precondition(!harts.isEmpty && harts.count <= 4095, "the CLINT serves 1 ... 4095 harts")
        self.timebase = timebase
        self.state = Mutex(CLINTState(harts: harts))
        let box = WeakCLINT()
        self.timer = HostDeadlineTimer(timebase: timebase, slots: harts.count) { hart in box.clint?.timerExpired(hart: hart) }
        box.clint = self
    }

    deinit { timer.stop() }

    /// The current `mtime`.
    public var mtime: UInt64 { state.withLock { $0.timeOffset &+ timebase.now() } }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        guard let access = CLINTAccess(offset: offset, size: size) else { return 0 }
        return state.withLock { state in
            let now = timebase.now()
            switch access.register {
            case let .softwareInterrupt(hart) where hart < state.harts.count:
                return access.extract(from: state.softwareInterrupt[hart] ? 1 : 0)
            case let .timeCompare(hart) where hart < state.harts.count:
                return access.extract(from: state.timeCompare[hart])
            case .time:
                // A guest polling mtime sees MTIP already raised when the deadline has passed.
                for hart in state.harts.indices { state.updateTimer(hart: hart, now: now, timer: timer) }
                return access.extract(from: state.timeOffset &+ now)
            default:
                return 0
            }
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        guard let access = CLINTAccess(offset: offset, size: size) else { return }
        state.withLock { state in
            let now = timebase.now()
            switch access.register {
            case let .softwareInterrupt(hart) where hart < state.harts.count:
                let pending = access.merge(value, into: state.softwareInterrupt[hart] ? 1 : 0) & 1 != 0
                state.softwareInterrupt[hart] = pending
                state.harts[hart].software.set(pending)
            case let .timeCompare(hart) where hart < state.harts.count:
                state.timeCompare[hart] = access.merge(value, into: state.timeCompare[hart])
                state.updateTimer(hart: hart, now: now, timer: timer)
            case .time:
                let time = access.merge(value, into: state.timeOffset &+ now)
                state.timeOffset = time &- now
                for hart in state.harts.indices { state.updateTimer(hart: hart, now: now, timer: timer) }
            default:
                break
            }
        }
    }

    /// The deadline timer fired for `hart`: raise MTIP if `mtime` has reached `mtimecmp`,
    /// otherwise (the guest moved a register meanwhile) arm again.
    private func timerExpired(hart: Int) {
        state.withLock { state in
            state.armedDeadline[hart] = nil
            state.updateTimer(hart: hart, now: timebase.now(), timer: timer)
        }
    }
}

/// Lets the deadline timer's handler reach the CLINT without keeping it alive.
private final class WeakCLINT: @unchecked Sendable {
    weak var clint: CLINT?
}

/// The CLINT's registers, used under its lock (hence `@unchecked Sendable`: the harts'
/// interrupt controllers are driven from any thread by design).
struct CLINTState: @unchecked Sendable {
    var harts: [CLINT.HartLines]
    var softwareInterrupt: [Bool]
    var timeCompare: [UInt64]
    /// MTIP level last driven per hart.
    var timerPending: [Bool]
    /// The deadline (timebase ticks) armed per hart, so that a guest polling `mtime` does not
    /// re-arm (and wake) the timer thread on every read.
    var armedDeadline: [UInt64?]
    /// `mtime` minus the timebase count (the guest may write `mtime`).
    var timeOffset: UInt64 = 0

    init(harts: [CLINT.HartLines]) {
        self.harts = harts
        softwareInterrupt = Array(repeating: false, count: harts.count)
        timeCompare = Array(repeating: .max, count: harts.count)
        timerPending = Array(repeating: false, count: harts.count)
        armedDeadline = Array(repeating: nil, count: harts.count)
    }

    /// Drives MTIP for `hart` from `mtime >= mtimecmp` and, while it is low, arms the
    /// deadline at which it will rise.
    mutating func updateTimer(hart: Int, now: UInt64, timer: HostDeadlineTimer) {
        let time = timeOffset &+ now
        let pending = time >= timeCompare[hart]
        if pending != timerPending[hart] {
            timerPending[hart] = pending
            harts[hart].timer.set(pending)
        }
        var deadline: UInt64?
        if !pending {
            let (sum, overflow) = now.addingReportingOverflow(timeCompare[hart] - time)
            deadline = overflow ? nil : sum
        }
        guard deadline != armedDeadline[hart] else { return }
        armedDeadline[hart] = deadline
        if let deadline { timer.arm(slot: hart, at: deadline) } else { timer.disarm(slot: hart) }
    }
}

/// One guest access decoded: which register, and which of its bytes.
struct CLINTAccess {
    enum Register {
        case softwareInterrupt(hart: Int)
        case timeCompare(hart: Int)
        case time
    }

    let register: Register
    /// Offset of the first accessed byte within the register.
    let byteOffset: Int
    let size: Int

    init?(offset: UInt64, size: Int) {
        guard size >= 1 && size <= 8 else { return nil }
        switch offset {
        case 0..<CLINT.timeCompareBase:
            register = .softwareInterrupt(hart: Int(offset / 4))
            byteOffset = Int(offset % 4)
            self.size = min(size, 4 - byteOffset)
        case CLINT.timeCompareBase..<CLINT.timeOffset:
            register = .timeCompare(hart: Int((offset - CLINT.timeCompareBase) / 8))
            byteOffset = Int(offset % 8)
            self.size = min(size, 8 - byteOffset)
        case CLINT.timeOffset..<CLINT.regionSize:
            register = .time
            byteOffset = Int(offset - CLINT.timeOffset)
            self.size = min(size, 8 - byteOffset)
        default:
            return nil
        }
    }

    private var mask: UInt64 { size >= 8 ? .max : (1 << UInt64(8 * size)) - 1 }

    /// The accessed bytes of `register`, at the bottom of the result.
    func extract(from register: UInt64) -> UInt64 {
        (register >> UInt64(8 * byteOffset)) & mask
    }

    /// `register` with the accessed bytes replaced from the low bytes of `value`.
    func merge(_ value: UInt64, into register: UInt64) -> UInt64 {
        let shift = UInt64(8 * byteOffset)
        let lanes = mask << shift
        return (register & ~lanes) | ((value << shift) & lanes)
    }
}
