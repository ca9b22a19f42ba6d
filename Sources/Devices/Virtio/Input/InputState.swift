import Machine
import Virtio

/// Everything an `InputDevice` changes, behind its lock (`@unchecked Sendable`: the queues and
/// the interrupt sink are only touched under it).
struct InputState: @unchecked Sendable {
    var config: InputConfigSpace
    var events: Virtqueue?
    var status: Virtqueue?
    var interrupts: (any VirtioInterrupts)?
    /// Events not yet delivered, in order, whole reports only.
    var backlog: [InputEvent] = []
    var droppedReports: UInt64 = 0
    var leds: UInt16 = 0

    init(config: InputConfigSpace, droppedReports: UInt64 = 0) {
        self.config = config
        self.droppedReports = droppedReports
    }

    /// Writes backlog events into eventq buffers, one per buffer, until either runs out.
    /// A buffer shorter than an event is returned empty and the event waits for the next.
    mutating func deliver() {
        guard events != nil, !backlog.isEmpty else { return }
        var delivered = 0
        var pushed = false
        // Each turn pops one chain; a ring holds at most 32768.
        for _ in 0..<32768 where delivered < backlog.count {
            let popped: DescriptorChain?
            do {
                popped = try events!.pop()
            } catch {
                events = nil
                interrupts?.deviceNeedsReset()
                break
            }
            guard var chain = popped else {
                if events!.enableNotifications() { continue }
                break
            }
            var bytes = Self.encode(backlog[delivered])
            let written = (try? bytes.withUnsafeMutableBytes { try chain.write(UnsafeRawBufferPointer($0)) }) ?? 0
            let complete = written == InputEvent.size
            if complete { delivered += 1 }
            do {
                try events!.push(chain.token, written: complete ? UInt32(InputEvent.size) : 0)
            } catch {
                events = nil
                interrupts?.deviceNeedsReset()
                break
            }
            pushed = true
        }
        backlog.removeFirst(delivered)
        if pushed, events != nil, events!.needsInterrupt() { interrupts?.usedBuffers(queue: 0) }
    }

    /// Reads the driver's status events (LED changes) and completes their buffers.
    mutating func readStatus() {
        guard status != nil else { return }
        var pushed = false
        for _ in 0..<32768 {
            let popped: DescriptorChain?
            do {
                popped = try status!.pop()
            } catch {
                status = nil
                interrupts?.deviceNeedsReset()
                return
            }
            guard var chain = popped else { break }
            var bytes = [UInt8](repeating: 0, count: InputEvent.size)
            let read = (try? bytes.withUnsafeMutableBytes { try chain.read(into: $0) }) ?? 0
            if read == InputEvent.size {
                let type = UInt16(bytes[0]) | UInt16(bytes[1]) << 8
                let code = UInt16(bytes[2]) | UInt16(bytes[3]) << 8
                let value = UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24
                if type == InputEvent.typeLED, code < 16 {
                    if value != 0 { leds |= 1 << code } else { leds &= ~(1 << code) }
                }
            }
            do {
                try status!.push(chain.token, written: 0)
            } catch {
                status = nil
                interrupts?.deviceNeedsReset()
                return
            }
            pushed = true
        }
        if pushed, status != nil, status!.needsInterrupt() { interrupts?.usedBuffers(queue: 1) }
    }

    static func encode(_ event: InputEvent) -> [UInt8] {
        [UInt8(event.type & 0xFF), UInt8(event.type >> 8), UInt8(event.code & 0xFF), UInt8(event.code >> 8)]
            + (0..<4).map { UInt8(truncatingIfNeeded: event.value >> (8 * $0)) }
    }
}
