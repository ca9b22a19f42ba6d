import Logging

/// An address space of device regions: the MMIO space of a board, or the x86 port-I/O space.
///
/// Regions may have any size and alignment but never overlap; registration refuses an overlap so
/// that a board wiring mistake is found at start-up rather than as a device that silently never
/// sees its accesses. Accesses that hit no region follow a fixed policy: reads return 0 and
/// writes are ignored, each counted, and the first one per page is logged.
public final class Bus: @unchecked Sendable {
    /// One registered region.
    public struct Region {
        public let name: String
        public let base: UInt64
        public let size: UInt64
        public let device: any MMIODevice

        /// The last address inside the region; regions are closed ranges so that one may end
        /// at 2^64 - 1 without overflow.
        public var last: UInt64 { base &+ (size &- 1) }
    }

    /// What the `Bus` is called in logs ("mmio", "ioport").
    public let name: String
    /// Regions sorted by base address.
    public private(set) var regions: [Region] = []
    /// Accesses that hit no region, for diagnostics and tests.
    public private(set) var unmappedReads: UInt64 = 0
    public private(set) var unmappedWrites: UInt64 = 0
    private var loggedUnmappedPages: Set<UInt64> = []
    private let logger: Logger

    public init(name: String) {
        self.name = name
        self.logger = Logger(label: "xemu.bus.\(name)")
    }

    /// Adds a region. Throws if it is empty, wraps the address space or overlaps another region.
    public func register(_ device: any MMIODevice, at base: UInt64, size: UInt64, name: String) throws(BusError) {
        guard size > 0 else { throw .emptyRegion(name: name) }
        let (last, overflow) = base.addingReportingOverflow(size - 1)
        guard !overflow else { throw .wrapsAddressSpace(name: name, base: base, size: size) }
        let index = regions.firstIndex { $0.base > base } ?? regions.count
        if index > 0, regions[index - 1].last >= base {
            throw .overlap(name: name, base: base, other: regions[index - 1].name, otherBase: regions[index - 1].base)
        }
        if index < regions.count, regions[index].base <= last {
            throw .overlap(name: name, base: base, other: regions[index].name, otherBase: regions[index].base)
        }
        regions.insert(Region(name: name, base: base, size: size, device: device), at: index)
    }

    /// The region holding `address`, found by binary search.
    public func region(containing address: UInt64) -> Region? {
        var low = 0, high = regions.count
        while low < high {
            let mid = (low + high) / 2
            if regions[mid].last < address { low = mid + 1 } else { high = mid }
        }
        guard low < regions.count, regions[low].base <= address else { return nil }
        return regions[low]
    }

    /// A guest load of `size` bytes. Unmapped addresses read as 0.
    public func read(_ address: UInt64, size: Int) -> UInt64 {
        if let region = region(containing: address) {
            return region.device.read(offset: address &- region.base, size: size)
        }
        unmappedReads &+= 1
        noteUnmapped(address, size: size, isWrite: false)
        return 0
    }

    /// A guest store of `size` bytes. Unmapped stores are ignored.
    public func write(_ address: UInt64, size: Int, value: UInt64) {
        if let region = region(containing: address) {
            region.device.write(offset: address &- region.base, size: size, value: value)
            return
        }
        unmappedWrites &+= 1
        noteUnmapped(address, size: size, isWrite: true)
    }

    private func noteUnmapped(_ address: UInt64, size: Int, isWrite: Bool) {
        guard loggedUnmappedPages.insert(address >> 12).inserted else { return }
        logger.debug("unmapped \(name) \(isWrite ? "write" : "read") of \(size) bytes at 0x\(String(address, radix: 16))")
    }
}
