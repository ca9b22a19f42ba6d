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
        var turns = 0
        while delivered < backlog.count, turns < 32768 {
            turns += 1
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
            let event = backlog[delivered]
            let written = withUnsafeTemporaryAllocation(byteCount: InputEvent.size, alignment: 8) { bytes in
                Self.encode(event, into: bytes)
                return (try? chain.write(UnsafeRawBufferPointer(bytes))) ?? 0
            }
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
            let event = withUnsafeTemporaryAllocation(byteCount: InputEvent.size, alignment: 8) { bytes -> InputEvent? in
                let read = (try? chain.read(into: bytes)) ?? 0
                return read == InputEvent.size ? Self.decode(UnsafeRawBufferPointer(bytes)) : nil
            }
            if let event, event.type == InputEvent.typeLED, event.code < 16 {
                if event.value != 0 { leds |= 1 << event.code } else { leds &= ~(1 << event.code) }
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

    /// The 8 little-endian bytes of `event`.
    static func encode(_ event: InputEvent, into bytes: UnsafeMutableRawBufferPointer) {
        bytes.storeBytes(of: event.type.littleEndian, toByteOffset: 0, as: UInt16.self)
        bytes.storeBytes(of: event.code.littleEndian, toByteOffset: 2, as: UInt16.self)
        bytes.storeBytes(of: event.value.littleEndian, toByteOffset: 4, as: UInt32.self)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> InputEvent {
        InputEvent(type: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt16.self)),
                   code: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2, as: UInt16.self)),
                   value: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
    }
}
