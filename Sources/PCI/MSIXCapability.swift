import Machine
import Synchronization

/// An MSI-X capability (PCI Local Bus 3.0 §6.8.2): the capability registers in configuration
/// space, the vector table and the pending-bit array (PBA) in a BAR, per-vector and function
/// masking, and delivery of MSI messages to the platform's `MSIController`.
///
/// A vector signalled while masked (per vector or by Function Mask) or while bus mastering is
/// disabled (no memory write may leave the function) sets its pending bit; unmasking delivers
/// pending vectors. `notify(vector:)` may come from any thread.
public final class MSIXCapability: @unchecked Sendable {
    public static let capabilityID: UInt8 = 0x11
    static let enableBit: UInt16 = 1 << 15
    static let functionMaskBit: UInt16 = 1 << 14

    public let vectorCount: Int
    public let tableBAR: Int
    public let tableOffset: UInt64
    public let pbaBAR: Int
    public let pbaOffset: UInt64
    /// Offset of the capability in configuration space.
    public let capabilityOffset: Int
    private let config: PCIConfigSpace
    private let state: Mutex<State>
    /// Where messages go; set when the function is attached.
    public var controller: (any MSIController)?

    struct State {
        /// Four dwords per vector: address low, address high, data, vector control.
        var table: [UInt32]
        var pending: [UInt64]
    }

    /// Adds the capability to `config` for `vectors` (1-2048) vectors, the table at
    /// `tableOffset` of BAR `tableBAR` and the PBA at `pbaOffset` of BAR `pbaBAR` (8-aligned).
    public init(config: PCIConfigSpace, vectors: Int, tableBAR: Int, tableOffset: UInt64, pbaBAR: Int, pbaOffset: UInt64) {
        precondition(vectors >= 1 && vectors <= 2048 && tableOffset % 8 == 0 && pbaOffset % 8 == 0)
        vectorCount = vectors
        self.tableBAR = tableBAR
        self.tableOffset = tableOffset
        self.pbaBAR = pbaBAR
        self.pbaOffset = pbaOffset
        self.config = config
        var table = [UInt32](repeating: 0, count: 4 * vectors)
        for v in 0..<vectors { table[4 * v + 3] = 1 }
        state = Mutex(State(table: table, pending: Array(repeating: 0, count: (vectors + 63) / 64)))
        capabilityOffset = config.addCapability(id: Self.capabilityID, length: 12)
        config.store(capabilityOffset + 2, UInt16(vectors - 1))
        config.store(capabilityOffset + 4, UInt32(truncatingIfNeeded: tableOffset) | UInt32(tableBAR))
        config.store(capabilityOffset + 8, UInt32(truncatingIfNeeded: pbaOffset) | UInt32(pbaBAR))
        config.setWritable(capabilityOffset + 2, mask: UInt32(Self.enableBit | Self.functionMaskBit), width: 2)
    }

    /// The table's and PBA's sizes in bytes.
    public var tableSize: UInt64 { UInt64(16 * vectorCount) }
    public var pbaSize: UInt64 { UInt64(8 * ((vectorCount + 63) / 64)) }

    private var control: UInt16 { config.load16(capabilityOffset + 2) }
    /// MSI-X Enable in Message Control.
    public var isEnabled: Bool { control & Self.enableBit != 0 }
    /// Function Mask in Message Control.
    public var isFunctionMasked: Bool { control & Self.functionMaskBit != 0 }

    /// Whether `vector` is pending.
    public func isPending(_ vector: Int) -> Bool {
        guard vector >= 0, vector < vectorCount else { return false }
        return state.withLock { $0.pending[vector / 64] >> UInt64(vector % 64) & 1 != 0 }
    }

    /// Signals `vector`: delivered now, or left pending while masked. Ignored while MSI-X is
    /// disabled (the function signals through INTx then) and for vectors out of range.
    public func notify(vector: Int) {
        guard vector >= 0, vector < vectorCount, isEnabled else { return }
        let canSend = isEnabled && !isFunctionMasked && config.busMasterEnabled
        let message = state.withLock { s -> MSIMessage? in
            if canSend, s.table[4 * vector + 3] & 1 == 0 { return Self.message(s, vector) }
            s.pending[vector / 64] |= 1 << UInt64(vector % 64)
            return nil
        }
        if let message { controller?.deliver(message) }
    }

    /// Delivers every pending vector that is no longer masked; called after the table or the
    /// Message Control register changed.
    public func deliverPending() {
        guard isEnabled, !isFunctionMasked, config.busMasterEnabled else { return }
        let messages = state.withLock { s -> [MSIMessage] in
            var out: [MSIMessage] = []
            for v in 0..<vectorCount where s.pending[v / 64] >> UInt64(v % 64) & 1 != 0 && s.table[4 * v + 3] & 1 == 0 {
                s.pending[v / 64] &= ~(1 << UInt64(v % 64))
                out.append(Self.message(s, v))
            }
            return out
        }
        for m in messages { controller?.deliver(m) }
    }

    private static func message(_ s: State, _ v: Int) -> MSIMessage {
        MSIMessage(address: UInt64(s.table[4 * v]) | UInt64(s.table[4 * v + 1]) << 32, data: s.table[4 * v + 2])
    }

    // MARK: BAR access

    /// Whether BAR `bar` at `offset` falls in the table or the PBA.
    public func claims(bar: Int, offset: UInt64) -> Bool {
        (bar == tableBAR && offset >= tableOffset && offset - tableOffset < tableSize)
            || (bar == pbaBAR && offset >= pbaOffset && offset - pbaOffset < pbaSize)
    }

    /// A table or PBA read: aligned 4- or 8-byte accesses; others read 0.
    public func read(bar: Int, offset: UInt64, size: Int) -> UInt64 {
        guard size == 4 || size == 8, offset % UInt64(size) == 0 else { return 0 }
        return state.withLock { s -> UInt64 in
            if bar == tableBAR, offset >= tableOffset, offset - tableOffset < tableSize {
                let dword = Int((offset - tableOffset) / 4)
                let low = UInt64(s.table[dword])
                return size == 8 && dword + 1 < s.table.count ? low | UInt64(s.table[dword + 1]) << 32 : low
            }
            guard bar == pbaBAR, offset >= pbaOffset, offset - pbaOffset < pbaSize else { return 0 }
            let word = s.pending[Int((offset - pbaOffset) / 8)]
            return size == 8 ? word : ((offset - pbaOffset) % 8 == 0 ? word & 0xFFFF_FFFF : word >> 32)
        }
    }

    /// A table write (aligned 4 or 8 bytes); the PBA is read-only. Unmasking a vector with its
    /// pending bit set delivers it.
    public func write(bar: Int, offset: UInt64, size: Int, value: UInt64) {
        guard size == 4 || size == 8, offset % UInt64(size) == 0,
              bar == tableBAR, offset >= tableOffset, offset - tableOffset < tableSize else { return }
        let dword = Int((offset - tableOffset) / 4)
        state.withLock { s in
            s.table[dword] = UInt32(truncatingIfNeeded: value)
            if size == 8, dword + 1 < s.table.count { s.table[dword + 1] = UInt32(truncatingIfNeeded: value >> 32) }
            // Only the Mask bit of Vector Control is writable.
            let v = dword / 4
            s.table[4 * v + 3] &= 1
        }
        deliverPending()
    }
}
