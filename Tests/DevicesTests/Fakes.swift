import Machine
import Synchronization

/// A host side of a serial line that records output and serves queued input.
final class FakeCharBackend: CharBackend, @unchecked Sendable {
    private let lock = Mutex<(output: [UInt8], input: [UInt8])>(([], []))
    var inputAvailable: (@Sendable () -> Void)?

    var output: [UInt8] { lock.withLock { $0.output } }

    func write(_ bytes: UnsafeRawBufferPointer) { lock.withLock { $0.output.append(contentsOf: bytes) } }

    func readByte() -> UInt8? {
        lock.withLock { state in state.input.isEmpty ? nil : state.input.removeFirst() }
    }

    /// Queues host input and notifies the device as a real backend does.
    func type(_ bytes: [UInt8]) {
        let wasEmpty = lock.withLock { state in
            defer { state.input.append(contentsOf: bytes) }
            return state.input.isEmpty
        }
        if wasEmpty { inputAvailable?() }
    }
}

/// An interrupt controller that records the current level of each line and every change.
final class FakeInterruptController: InterruptController, @unchecked Sendable {
    private let lock = Mutex<(levels: [Int: Bool], changes: Int)>(([:], 0))

    func setLevel(line: Int, high: Bool) {
        lock.withLock { state in
            state.levels[line] = high
            state.changes += 1
        }
    }

    func level(_ line: Int) -> Bool { lock.withLock { $0.levels[line] ?? false } }
    var changes: Int { lock.withLock { $0.changes } }
}
