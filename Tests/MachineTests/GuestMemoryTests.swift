import Testing
@testable import Machine

@Suite struct GuestMemoryTests {
    let memory = try! GuestMemory(banks: [(0x8000_0000, 0x10000), (0x1_0000_0000, 0x1000)])

    @Test func readsBackWhatWasWrittenLittleEndian() throws {
        try memory.write(UInt32(0x1122_3344), at: 0x8000_0010)
        #expect(try memory.read(UInt32.self, at: 0x8000_0010) == 0x1122_3344)
        #expect(try memory.bytes(at: 0x8000_0010, count: 4) == [0x44, 0x33, 0x22, 0x11])
        try memory.write(UInt64.max, at: 0x1_0000_0FF8)
        #expect(try memory.read(UInt64.self, at: 0x1_0000_0FF8) == .max)
    }

    /// A small ROM bank below main RAM (as on virt-riscv64) does not take the fast path's place.
    @Test func theLargestBankComesFirst() throws {
        let memory = try GuestMemory(banks: [(0x1000, 0xF000), (0x8000_0000, 0x10_0000), (0x2000_0000, 0x1000)])
        #expect(memory.banks.map(\.base) == [0x8000_0000, 0x1000, 0x2000_0000])
        #expect(memory.primary.base == 0x8000_0000)
        #expect(memory.hostPointer(0x1FF0, length: 16) != nil)
    }

    /// RAM lands at its guest-physical address in the host when that range is free there (a
    /// base no other test maps), so compiled code needs no host offset; where it is taken, RAM
    /// goes elsewhere and still works.
    @Test func ramSitsAtItsGuestAddressWhenTheHostRangeIsFree() throws {
        let base: UInt64 = 0x3A5_0000_0000
        let first = try GuestMemory(base: base, size: 0x10000)
        #expect(UInt64(UInt(bitPattern: first.primary.host)) == base)
        let second = try GuestMemory(base: base, size: 0x10000)
        #expect(UInt64(UInt(bitPattern: second.primary.host)) != base)
        try second.write(UInt64(0x0123_4567_89AB_CDEF), at: base + 8)
        #expect(try first.read(UInt64.self, at: base + 8) == 0)
        #expect(try second.read(UInt64.self, at: base + 8) == 0x0123_4567_89AB_CDEF)
    }

    @Test func refusesRangesOutsideEveryBank() {
        #expect(throws: MemoryError.outsideRAM(address: 0x7FFF_FFFF, length: 2)) {
            try memory.read(UInt16.self, at: 0x7FFF_FFFF)
        }
        // The last 4 bytes of a bank are fine; one byte further is not.
        #expect(throws: MemoryError.outsideRAM(address: 0x8000_FFFD, length: 4)) {
            try memory.read(UInt32.self, at: 0x8000_FFFD)
        }
        #expect(memory.contains(0x8000_FFFC, length: 4))
        // A range spanning the gap between two banks is refused even though both ends are RAM.
        #expect(!memory.contains(0x8000_FFF0, length: 0x1_0000_0000 - 0x8000_FFF0 + 8))
    }

    @Test func refusesLengthsThatOverflowTheAddressSpace() {
        #expect(memory.hostPointer(0x8000_0000, length: .max) == nil)
        #expect(memory.hostPointer(.max, length: 2) == nil)
        #expect(memory.hostPointer(0x8000_1000, length: UInt64.max - 0x8000_0000) == nil)
        #expect(throws: MemoryError.self) { try memory.slice(at: 0x8000_0001, length: .max) }
    }

    @Test func zeroLengthIsValidUpToOnePastTheEnd() {
        #expect(memory.contains(0x8001_0000, length: 0))
        #expect(!memory.contains(0x8001_0001, length: 0))
    }

    @Test func sliceIsAViewNotACopy() throws {
        let view = try memory.slice(at: 0x8000_0100, length: 16)
        view[3] = 0xAB
        #expect(try memory.read(UInt8.self, at: 0x8000_0103) == 0xAB)
    }

    @Test func refusesOverlappingOrEmptyBanks() {
        #expect(throws: MemoryError.self) { try GuestMemory(banks: [(0x1000, 0x2000), (0x2000, 0x1000)]) }
        #expect(throws: MemoryError.self) { try GuestMemory(banks: [(0x1000, 0)]) }
        #expect(throws: MemoryError.self) { try GuestMemory(banks: [(UInt64.max - 0xFFF, 0x2000)]) }
        #expect(throws: MemoryError.self) { try GuestMemory(banks: []) }
    }
}
