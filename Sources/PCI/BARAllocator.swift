/// Assigns BAR addresses the way firmware does before an OS without its own allocator runs
/// (the x86 board boots Linux directly): each BAR gets a naturally aligned address from the
/// window of its kind, largest first, and the function's I/O and memory decode are enabled.
/// On the virt boards U-Boot or Linux assigns BARs themselves; boards need not call this.
public struct BARAllocator: Sendable {
    /// Next free bus address and end of each window.
    public private(set) var nextMemory32: UInt64
    public let memory32End: UInt64
    public private(set) var nextMemory64: UInt64
    public let memory64End: UInt64
    public private(set) var nextIO: UInt64
    public let ioEnd: UInt64

    /// Windows as bus-address ranges; 64-bit BARs go to `memory64` when it is not empty,
    /// otherwise below 4 GiB in `memory32`.
    public init(memory32: Range<UInt64>, memory64: Range<UInt64> = 0..<0, io: Range<UInt64>) {
        nextMemory32 = memory32.lowerBound
        memory32End = memory32.upperBound
        nextMemory64 = memory64.lowerBound
        memory64End = memory64.upperBound
        nextIO = io.lowerBound
        ioEnd = io.upperBound
    }

    /// Places every BAR of `function` and enables the decode of the spaces it uses.
    public mutating func assign(_ function: any PCIFunction) throws(PCIError) {
        let config = function.config
        let order = (0..<6).compactMap { i in config.bars[i].map { (i, $0) } }.sorted { $0.1.size > $1.1.size }
        var command = config.command
        for (index, bar) in order {
            let address: UInt64
            switch bar.kind {
            case .io:
                address = try take(&nextIO, ioEnd, bar, index)
                command |= PCIConfigSpace.commandIO
            case .memory32:
                address = try take(&nextMemory32, memory32End, bar, index)
                command |= PCIConfigSpace.commandMemory
            case .memory64:
                address = nextMemory64 < memory64End
                    ? try take(&nextMemory64, memory64End, bar, index)
                    : try take(&nextMemory32, memory32End, bar, index)
                command |= PCIConfigSpace.commandMemory
            }
            function.writeConfig(offset: 0x10 + 4 * index, size: 4, value: UInt32(truncatingIfNeeded: address))
            if bar.is64Bit {
                function.writeConfig(offset: 0x14 + 4 * index, size: 4, value: UInt32(truncatingIfNeeded: address >> 32))
            }
        }
        function.writeConfig(offset: 0x04, size: 2, value: UInt32(command))
    }

    private func take(_ next: inout UInt64, _ end: UInt64, _ bar: PCIBAR, _ index: Int) throws(PCIError) -> UInt64 {
        // Bus address 0 means "unassigned" to the decoder, so never hand it out.
        let start = max(next, bar.size)
        let aligned = (start + bar.size - 1) & ~(bar.size - 1)
        guard aligned >= start, aligned <= end, end - aligned >= bar.size else { throw .windowFull(bar: index, size: bar.size) }
        next = aligned + bar.size
        return aligned
    }
}
