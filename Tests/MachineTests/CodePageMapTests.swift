import Synchronization
import Testing
@testable import Machine

@Suite struct CodePageMapTests {
    /// Records the observer's calls.
    final class Calls: Sendable {
        let list = Mutex<[(UInt64, UInt64)]>([])
        func withLock<R>(_ body: (inout [(UInt64, UInt64)]) -> R) -> R { list.withLock { body(&$0) } }
    }

    @Test func onlyWritesTouchingMarkedPagesReachTheObserver() throws {
        // Two banks with a hole between them.
        let memory = try GuestMemory(banks: [(0x8000_0000, 1 << 20), (0x4000_0000, 1 << 20)])
        let calls = Calls()
        let map = memory.codePages
        map.addObserver { address, length in calls.withLock { $0.append((address, length)) } }
        let codePage: UInt64 = (0x8000_0000 >> 12) + 70
        map.mark(page: codePage)
        #expect(map.holdsCode(page: codePage))
        // Same word, other pages; the page below; a zero length; outside RAM on both sides.
        map.noteWrite(at: (codePage + 1) << 12, length: 4096)
        map.noteWrite(at: (codePage - 1) << 12, length: 4096)
        map.noteWrite(at: codePage << 12, length: 0)
        map.noteWrite(at: 0x1000, length: 64)
        map.noteWrite(at: UInt64.max - 8, length: 100)
        #expect(calls.withLock { $0.count } == 0)
        // The last byte of a range that starts on the page below; one straddling two words;
        // a GuestMemory write; one wrapping the address space from inside RAM.
        map.noteWrite(at: (codePage << 12) - 10, length: 11)
        map.noteWrite(at: (codePage - 10) << 12, length: 40 << 12)
        try memory.write(UInt32(7), at: (codePage << 12) + 8)
        #expect(calls.withLock { $0.count } == 3)
        #expect(calls.withLock { $0.last!.0 } == (codePage << 12) + 8)
        #expect(calls.withLock { $0.last!.1 } == 4)
        map.clear(page: codePage)
        map.noteWrite(at: codePage << 12, length: 4096)
        #expect(calls.withLock { $0.count } == 3)
        map.mark(page: 0x4000_0000 >> 12)
        map.noteWrite(at: 0x4000_0000, length: 1)
        #expect(calls.withLock { $0.count } == 4)
        map.clearAll()
        #expect(!map.holdsCode(page: 0x4000_0000 >> 12))
        map.noteWrite(at: 0x4000_0000, length: 1 << 20)
        #expect(calls.withLock { $0.count } == 4)
    }
}
