import Testing
@testable import Machine

/// A device that records its last access and answers reads with a marker plus the offset.
final class RecordingDevice: MMIODevice {
    var writes: [(offset: UInt64, size: Int, value: UInt64)] = []
    let marker: UInt64
    init(marker: UInt64) { self.marker = marker }
    func read(offset: UInt64, size: Int) -> UInt64 { marker + offset }
    func write(offset: UInt64, size: Int, value: UInt64) { writes.append((offset, size, value)) }
}

@Suite struct BusTests {
    @Test func routesAccessesToTheRegionWithOffsets() throws {
        let bus = Bus(name: "mmio")
        let uart = RecordingDevice(marker: 0x1000), plic = RecordingDevice(marker: 0x2000)
        try bus.register(plic, at: 0xC00_0000, size: 0x60_0000, name: "plic")
        try bus.register(uart, at: 0x1000_0000, size: 0x100, name: "uart")
        #expect(bus.read(0x1000_0005, size: 1) == 0x1005)
        #expect(bus.read(0xC00_0004, size: 4) == 0x2004)
        bus.write(0x1000_00FF, size: 1, value: 0x41)
        #expect(uart.writes.count == 1 && uart.writes[0].offset == 0xFF && uart.writes[0].value == 0x41)
    }

    @Test func unmappedReadsZeroWritesIgnoredAndCounted() throws {
        let bus = Bus(name: "mmio")
        let uart = RecordingDevice(marker: 7)
        try bus.register(uart, at: 0x1000, size: 0x100, name: "uart")
        #expect(bus.read(0x1100, size: 4) == 0)
        #expect(bus.read(0xFFF, size: 1) == 0)
        bus.write(0x2000, size: 8, value: 1)
        #expect(bus.unmappedReads == 2 && bus.unmappedWrites == 1)
        #expect(uart.writes.isEmpty)
    }

    @Test func refusesOverlapsOnEitherSide() throws {
        let bus = Bus(name: "mmio")
        let d = RecordingDevice(marker: 0)
        try bus.register(d, at: 0x1000, size: 0x1000, name: "a")
        #expect(throws: BusError.overlap(name: "b", base: 0x1FFF, other: "a", otherBase: 0x1000)) {
            try bus.register(d, at: 0x1FFF, size: 0x10, name: "b")
        }
        #expect(throws: BusError.overlap(name: "c", base: 0x800, other: "a", otherBase: 0x1000)) {
            try bus.register(d, at: 0x800, size: 0x801, name: "c")
        }
        #expect(throws: BusError.overlap(name: "d", base: 0x0, other: "a", otherBase: 0x1000)) {
            try bus.register(d, at: 0x0, size: 0x10000, name: "d")
        }
        // Adjacent regions on both sides are fine.
        try bus.register(d, at: 0x800, size: 0x800, name: "below")
        try bus.register(d, at: 0x2000, size: 0x3, name: "above, odd size")
        #expect(bus.regions.map(\.name) == ["below", "a", "above, odd size"])
    }

    @Test func refusesEmptyAndWrappingRegionsButAllowsTheTopPage() throws {
        let bus = Bus(name: "mmio")
        let d = RecordingDevice(marker: 5)
        #expect(throws: BusError.emptyRegion(name: "e")) { try bus.register(d, at: 0x1000, size: 0, name: "e") }
        #expect(throws: BusError.self) { try bus.register(d, at: UInt64.max - 0xF, size: 0x20, name: "w") }
        try bus.register(d, at: UInt64.max - 0xFFF, size: 0x1000, name: "top")
        #expect(bus.read(.max, size: 1) == 5 + 0xFFF)
    }
}
