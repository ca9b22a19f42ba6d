import Testing
@testable import Machine

@Suite struct FrameQueueTests {
    @Test func keepsOrderRefusesWhenFullAndTakesAFrameBackAtTheFront() {
        var queue = FrameQueue(capacity: 3)
        #expect(queue.isEmpty && queue.first == nil)
        for byte: UInt8 in 1...3 { #expect([byte].withUnsafeBytes { queue.append($0) }) }
        #expect(queue.isFull)
        #expect([UInt8(4)].withUnsafeBytes { queue.append($0) } == false)
        #expect([UInt8(0)].withUnsafeBytes { queue.prepend($0) } == false)
        #expect(queue.first == [1])
        queue.removeFirst()
        #expect([UInt8(0)].withUnsafeBytes { queue.prepend($0) })
        var order: [UInt8] = []
        while let frame = queue.first { order += frame; queue.removeFirst() }
        #expect(order == [0, 2, 3])
        // Wrapping around the slots keeps working.
        for round in 0..<10 {
            #expect([UInt8(round)].withUnsafeBytes { queue.append($0) })
            #expect(queue.first == [UInt8(round)])
            queue.removeFirst()
        }
        queue.removeFirst()
        #expect(queue.count == 0)
    }
}
