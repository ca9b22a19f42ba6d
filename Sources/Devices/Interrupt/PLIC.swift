import Machine
import Synchronization

/// The RISC-V Platform-Level Interrupt Controller as QEMU's riscv64 `virt` board has it
/// (6 MiB at 0x0C00_0000; RISC-V PLIC spec, riscv-plic-spec 1.0.0): wired interrupt sources
/// 1 ... `sourceCount` (95 on `virt`: virtio-mmio 1-8, UART 10, RTC 11, PCIe INTx 32-35),
/// priorities 0 ... 7 (0 = never interrupt), and per context an enable bit per source, a
/// priority threshold and a claim/complete register. Each context drives one output line,
/// high while some pending source enabled for it has a priority above its threshold; on
/// `virt` context 2h is hart h's M-mode (MEIP) and 2h + 1 its S-mode (SEIP).
///
/// Devices raise sources through `InterruptController.setLevel(line:high:)` from any thread.
/// Sources are level-triggered: a source is pending while its level is high and it is not in
/// service (claimed, not yet completed); a claim returns the highest-priority pending enabled
/// source (ties to the lowest ID, the threshold not applying) and puts it in service; a
/// completion takes it out again, so a level still high makes it pending once more.
///
/// Guest accesses: the registers are 32 bits wide and only naturally aligned 32-bit accesses
/// reach them; any other width or alignment reads 0 and writes nothing, so no odd-width read
/// claims by accident (Linux and OpenSBI use 32-bit accesses only). Priority and threshold
/// are WARL, keeping the low 3 bits; the pending words, source 0 and the enable bits of
/// non-existent sources are read-only (zero); unimplemented offsets read 0, writes ignored.
public final class PLIC: MMIODevice, InterruptController, @unchecked Sendable {
    /// Size of the PLIC's register region on `virt`: room for 1024 contexts (512 harts).
    public static let regionSize: UInt64 = 0x60_0000
    /// The highest priority (3 priority bits, as on `virt`).
    public static let maxPriority: UInt32 = 7

    /// Number of interrupt sources: valid IDs are 1 ... sourceCount (the DTB's `riscv,ndev`).
    public let sourceCount: Int
    /// Number of contexts (interrupt targets), each with its own output line.
    public var contextCount: Int { lines.count }

    private let lines: [InterruptLine]
    private let state: Mutex<PLICState>

    /// A PLIC with sources 1 ... `sourceCount` whose context i drives `contexts[i]`.
    public init(sourceCount: Int, contexts: [InterruptLine]) {
        precondition(sourceCount >= 1 && sourceCount <= 1023, "the PLIC serves 1 ... 1023 sources")
        let maxContexts = Int((Self.regionSize - PLICRegister.contextBase) / PLICRegister.contextStride)
        precondition(!contexts.isEmpty && contexts.count <= maxContexts, "the PLIC serves 1 ... \(maxContexts) contexts")
        self.sourceCount = sourceCount
        self.lines = contexts
        self.state = Mutex(PLICState(sourceCount: sourceCount, contextCount: contexts.count))
    }

    /// The output lines of the `virt` board's contexts for `harts`: context 2h to hart h's
    /// MEIP (line 11, its `mip` bit) and context 2h + 1 to its SEIP (line 9).
    public static func hartContexts(_ harts: [any InterruptController]) -> [InterruptLine] {
        harts.flatMap { [InterruptLine(controller: $0, line: 11), InterruptLine(controller: $0, line: 9)] }
    }

    /// Sets the input level of source `line`; numbers outside 1 ... sourceCount are ignored.
    public func setLevel(line source: Int, high: Bool) {
        guard source >= 1 && source <= sourceCount else { return }
        state.withLock { state in
            if state.setLevel(source: source, high: high) { driveContexts(enabling: source, &state) }
        }
    }

    public func read(offset: UInt64, size: Int) -> UInt64 {
        state.withLock { state in
            guard let register = PLICRegister(offset: offset, size: size, sourceCount: sourceCount,
                                               wordCount: state.wordCount, contextCount: state.contextCount) else { return 0 }
            switch register {
            case let .priority(source):
                return UInt64(state.priority[source])
            case let .pending(word):
                return UInt64(state.pending(word: word))
            case let .enable(context, word):
                return UInt64(state.enable[context * state.wordCount + word])
            case let .threshold(context):
                return UInt64(state.threshold[context])
            case let .claimComplete(context):
                let source = state.claim(context: context)
                if source != 0 { driveContexts(enabling: source, &state) }
                return UInt64(source)
            }
        }
    }

    public func write(offset: UInt64, size: Int, value: UInt64) {
        let value = UInt32(truncatingIfNeeded: value)
        state.withLock { state in
            guard let register = PLICRegister(offset: offset, size: size, sourceCount: sourceCount,
                                               wordCount: state.wordCount, contextCount: state.contextCount) else { return }
            switch register {
            case let .priority(source):
                state.priority[source] = value & Self.maxPriority
                driveContexts(enabling: source, &state)
            case .pending:
                break
            case let .enable(context, word):
                state.enable[context * state.wordCount + word] = value & state.validMask(word: word)
                drive(context: context, &state)
            case let .threshold(context):
                state.threshold[context] = value & Self.maxPriority
                drive(context: context, &state)
            case let .claimComplete(context):
                let source = Int(value)
                if state.complete(context: context, source: source) { driveContexts(enabling: source, &state) }
            }
        }
    }

    /// Brings the output of every context that enables `source` up to date.
    private func driveContexts(enabling source: Int, _ state: inout PLICState) {
        for context in 0..<state.contextCount where state.isEnabled(context: context, source: source) {
            drive(context: context, &state)
        }
    }

    /// Drives `context`'s output line if its level changed. Called under the lock: a hart's
    /// `setLevel` only sets an atomic bit and never calls back into the PLIC.
    private func drive(context: Int, _ state: inout PLICState) {
        let high = state.wantsInterrupt(context: context)
        guard high != state.outputHigh[context] else { return }
        state.outputHigh[context] = high
        lines[context].set(high)
    }
}
