import Testing
@testable import Machine

/// Feeds `bytes` through a fresh escape machine and collects the actions.
func decode(_ bytes: [UInt8]) -> [ConsoleEscape.Action] {
    var escape = ConsoleEscape()
    return bytes.compactMap { escape.feed($0) }
}

@Suite struct ConsoleEscapeTests {
    let ctrlA: UInt8 = 0x01

    @Test func ordinaryBytesPassThrough() {
        #expect(decode(Array("ls -l\r".utf8)) == Array("ls -l\r".utf8).map { .send($0) })
        #expect(decode([0x03, 0x00, 0xFF, 0x1B]) == [.send(0x03), .send(0x00), .send(0xFF), .send(0x1B)])
    }

    @Test func commandKeys() {
        #expect(decode([ctrlA, UInt8(ascii: "x")]) == [.quit])
        #expect(decode([ctrlA, UInt8(ascii: "X")]) == [.quit])
        #expect(decode([ctrlA, UInt8(ascii: "c")]) == [.monitor])
        #expect(decode([ctrlA, UInt8(ascii: "h")]) == [.help])
        #expect(decode([ctrlA, UInt8(ascii: "?")]) == [.help])
    }

    @Test func doubledEscapeSendsOneAndResets() {
        #expect(decode([ctrlA, ctrlA]) == [.send(ctrlA)])
        // The second Ctrl-A was consumed as data, so the following x is plain data.
        #expect(decode([ctrlA, ctrlA, UInt8(ascii: "x")]) == [.send(ctrlA), .send(UInt8(ascii: "x"))])
        #expect(decode([ctrlA, ctrlA, ctrlA, UInt8(ascii: "x")]) == [.send(ctrlA), .quit])
    }

    @Test func unknownCommandIsDroppedAndStateResets() {
        #expect(decode([ctrlA, UInt8(ascii: "q"), UInt8(ascii: "x")]) == [.send(UInt8(ascii: "x"))])
        var escape = ConsoleEscape()
        #expect(escape.feed(ctrlA) == nil && escape.awaitingCommand)
        #expect(escape.feed(UInt8(ascii: "z")) == nil && !escape.awaitingCommand)
    }

    @Test func escapeAcrossSeparateReads() {
        var escape = ConsoleEscape()
        #expect([UInt8(ascii: "a"), ctrlA].compactMap { escape.feed($0) } == [.send(UInt8(ascii: "a"))])
        #expect([UInt8(ascii: "x")].compactMap { escape.feed($0) } == [.quit])
    }

    @Test func helpNamesEveryCommand() {
        for key in ["C-a h", "C-a x", "C-a c", "C-a C-a"] { #expect(ConsoleEscape.helpText.contains(key)) }
    }
}
