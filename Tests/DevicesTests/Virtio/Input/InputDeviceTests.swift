import Machine
import Testing
import Virtio
import VirtioDriver
@testable import Devices

@Suite struct InputDeviceTests {
    /// Selects (select, subsel) the way the Linux driver does and reads size and answer.
    func query(_ device: InputDevice, _ select: UInt8, _ subselect: UInt8 = 0) -> [UInt8] {
        device.writeConfig(offset: 0, size: 1, value: UInt64(select))
        device.writeConfig(offset: 1, size: 1, value: UInt64(subselect))
        let size = Int(device.readConfig(offset: 2, size: 1))
        return (0..<size).map { UInt8(device.readConfig(offset: 8 + $0, size: 1)) }
    }

    func bitSet(_ bitmap: [UInt8], _ bit: Int) -> Bool {
        bit / 8 < bitmap.count && bitmap[bit / 8] & (1 << (bit % 8)) != 0
    }

    @Test func keyboardAnswersTheDriversQueries() {
        let keyboard = InputDevice.keyboard()
        #expect(keyboard.deviceID == .input)
        #expect(keyboard.configSize == 136)
        #expect(String(decoding: query(keyboard, 0x01), as: UTF8.self) == "xemu virtio keyboard")
        #expect(String(decoding: query(keyboard, 0x02), as: UTF8.self) == "keyboard0")
        #expect(query(keyboard, 0x03) == [0x06, 0x00, 0xF4, 0x1A, 0x01, 0x00, 0x01, 0x00])
        #expect(query(keyboard, 0x10).isEmpty)
        let keys = query(keyboard, 0x11, UInt8(InputEvent.typeKey))
        #expect(bitSet(keys, 30))          // KEY_A
        #expect(bitSet(keys, 1))           // KEY_ESC
        #expect(!bitSet(keys, 0))          // KEY_RESERVED
        #expect(!bitSet(keys, 0x110))      // no mouse buttons
        #expect(query(keyboard, 0x11, UInt8(InputEvent.typeRepeat)).count > 0)
        #expect(query(keyboard, 0x11, UInt8(InputEvent.typeLED)) == [0x07])
        #expect(query(keyboard, 0x11, UInt8(InputEvent.typeAbsolute)).isEmpty)
        #expect(query(keyboard, 0x12, 0).isEmpty)
        #expect(query(keyboard, 0x7F).isEmpty)
        // Multi-byte reads see the same little-endian bytes.
        _ = query(keyboard, 0x03)
        #expect(keyboard.readConfig(offset: 8, size: 4) == 0x1AF4_0006)
        #expect(keyboard.readConfig(offset: 0, size: 2) == 0x0003)
    }

    @Test func tabletAnswersAxesAndButtons() {
        let tablet = InputDevice.tablet()
        #expect(String(decoding: query(tablet, 0x01), as: UTF8.self) == "xemu virtio tablet")
        let abs = query(tablet, 0x11, UInt8(InputEvent.typeAbsolute))
        #expect(abs == [0x03])
        let buttons = query(tablet, 0x11, UInt8(InputEvent.typeKey))
        #expect(bitSet(buttons, 0x110) && bitSet(buttons, 0x111) && bitSet(buttons, 0x112))
        #expect(!bitSet(buttons, 30))
        #expect(query(tablet, 0x11, UInt8(InputEvent.typeRelative)) == [0x00, 0x01])
        let x = query(tablet, 0x12, 0)
        #expect(x == [0, 0, 0, 0, 0xFF, 0x7F, 0, 0] + [UInt8](repeating: 0, count: 12))
        #expect(query(tablet, 0x12, 1).count == 20)
        #expect(query(tablet, 0x12, 2).isEmpty)
        #expect(query(tablet, 0x11, UInt8(InputEvent.typeRepeat)).isEmpty)
    }

    func events(_ harness: TransportHarness<InputDevice>) throws -> [InputEvent] {
        var result: [InputEvent] = []
        while let used = harness.takeUsed(queue: 0) {
            let bytes = try harness.written(used)
            #expect(bytes.count == 8)
            guard bytes.count == 8 else { continue }
            result.append(InputEvent(type: UInt16(bytes[0]) | UInt16(bytes[1]) << 8,
                                     code: UInt16(bytes[2]) | UInt16(bytes[3]) << 8,
                                     value: UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24))
        }
        return result
    }

    @Test(arguments: HarnessVariant.all)
    func eventsArriveAsReportsEndedBySynReport(options: HarnessVariant) throws {
        let harness = try TransportHarness(device: InputDevice.tablet(), variant: options)
        for _ in 0..<8 { harness.addWritable(queue: 0, lengths: [8]) }
        #expect(harness.device.movePointer(x: 100, y: 40000))
        #expect(harness.device.key(InputCode.buttonLeft, pressed: true))
        let got = try events(harness)
        #expect(got == [.absolute(InputCode.absX, 100), .absolute(InputCode.absY, 0x7FFF), .syncReport,
                        .key(InputCode.buttonLeft, pressed: true), .syncReport])
        #expect(harness.usedInterrupts(queue: 0) > 0)
        #expect(!harness.needsReset)
    }

    @Test(arguments: HarnessVariant.all)
    func eventsWaitForBuffersAndFullBacklogDropsWholeReports(options: HarnessVariant) throws {
        let harness = try TransportHarness(device: InputDevice.keyboard(), variant: options)
        let keyboard = harness.device
        #expect(keyboard.key(30, pressed: true))
        #expect(keyboard.key(30, pressed: false))
        #expect(keyboard.backlogCount == 4)
        // The driver posts two buffers: the first report goes, the second waits.
        harness.addWritable(queue: 0, lengths: [8])
        harness.addWritable(queue: 0, lengths: [8])
        #expect(try events(harness) == [.key(30, pressed: true), .syncReport])
        #expect(keyboard.backlogCount == 2)
        // A buffer too short for an event comes back empty; the event waits.
        harness.addWritable(queue: 0, lengths: [4])
        let short = try #require(harness.takeUsed(queue: 0))
        #expect(short.length == 0)
        for _ in 0..<2 { harness.addWritable(queue: 0, lengths: [8]) }
        #expect(try events(harness) == [.key(30, pressed: false), .syncReport])
        // Fill the backlog: 512 two-event reports fill its 1024 slots; the next is dropped whole.
        for _ in 0..<(InputDevice.backlogCapacity / 2) { keyboard.key(2, pressed: true) }
        #expect(keyboard.key(3, pressed: true) == false)
        #expect(keyboard.droppedReports == 1)
        #expect(keyboard.backlogCount == InputDevice.backlogCapacity)
        #expect(keyboard.backlogCount % 2 == 0)
    }

    @Test(arguments: HarnessVariant.all)
    func statusQueueSetsLEDs(options: HarnessVariant) throws {
        let harness = try TransportHarness(device: InputDevice.keyboard(), variant: options)
        func led(_ code: UInt8, _ on: UInt8) -> [UInt8] { [0x11, 0, code, 0, on, 0, 0, 0] }
        try harness.addReadable(queue: 1, led(1, 1))
        try harness.addReadable(queue: 1, led(0, 1), cuts: [3])
        #expect(harness.device.leds == 0b11)
        try harness.addReadable(queue: 1, led(1, 0))
        #expect(harness.device.leds == 0b01)
        var completed = 0
        while let used = harness.takeUsed(queue: 1) {
            #expect(used.length == 0)
            completed += 1
        }
        #expect(completed == 3)
    }

    @Test(arguments: HarnessVariant.basic)
    func resetForgetsQueuesAndBacklog(variant: HarnessVariant) throws {
        let harness = try TransportHarness(device: InputDevice.keyboard(), variant: variant)
        harness.device.key(30, pressed: true)
        harness.reset()
        #expect(harness.device.backlogCount == 0)
        harness.addWritable(queue: 0, lengths: [8])
        harness.kick(0)
        #expect(harness.takeUsed(queue: 0) == nil)
    }
}
