/// A bounded first-in first-out queue of Ethernet frames, for frames that wait for the guest
/// to post receive buffers.
///
/// It holds at most `capacity` frames; `append` refuses more (the caller counts the drop),
/// so a guest that never posts buffers costs a bounded amount of host memory.
public struct FrameQueue: Sendable {
    private var slots: [[UInt8]]
    private var head = 0
    /// Frames waiting.
    public private(set) var count = 0
    /// The most frames it holds.
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0, "a frame queue needs room for at least one frame")
        self.capacity = capacity
        slots = Array(repeating: [], count: capacity)
    }

    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == capacity }

    /// Copies `frame` in at the back; false (and nothing stored) when the queue is full.
    public mutating func append(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard count < capacity else { return false }
        slots[(head + count) % capacity] = Array(frame)
        count += 1
        return true
    }

    /// Copies `frame` in at the front (a frame that was being delivered); false when full.
    public mutating func prepend(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard count < capacity else { return false }
        head = (head + capacity - 1) % capacity
        slots[head] = Array(frame)
        count += 1
        return true
    }

    /// The frame at the front, nil when empty.
    public var first: [UInt8]? { count == 0 ? nil : slots[head] }

    /// Drops the frame at the front.
    public mutating func removeFirst() {
        guard count > 0 else { return }
        slots[head] = []
        head = (head + 1) % capacity
        count -= 1
    }

    /// Drops every frame.
    public mutating func removeAll() {
        while count > 0 { removeFirst() }
    }
}
