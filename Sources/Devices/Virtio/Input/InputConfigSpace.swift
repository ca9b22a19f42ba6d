/// The virtio-input configuration space (virtio 1.2 §5.8.4): the driver writes `select` and
/// `subsel`, then reads `size` and up to 128 bytes of answer from offset 8.
struct InputConfigSpace: Sendable {
    static let size = 136
    static let answerOffset = 8
    static let maxAnswer = 128

    /// VIRTIO_INPUT_CFG_* selectors.
    enum Selector: UInt8 {
        case unset = 0x00, name = 0x01, serial = 0x02, deviceIDs = 0x03
        case propertyBits = 0x10, eventBits = 0x11, absoluteInfo = 0x12
    }

    let profile: InputProfile
    private(set) var select: UInt8 = 0
    private(set) var subselect: UInt8 = 0
    /// The answer to the current query, at most 128 bytes; its count is `size`.
    private(set) var answer: [UInt8] = []

    init(profile: InputProfile) { self.profile = profile }

    func read(offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in (0..<size).reversed() {
            value = value << 8 | UInt64(byte(at: offset + i))
        }
        return value
    }

    private func byte(at offset: Int) -> UInt8 {
        switch offset {
        case 0: select
        case 1: subselect
        case 2: UInt8(answer.count)
        case Self.answerOffset..<(Self.answerOffset + answer.count): answer[offset - Self.answerOffset]
        default: 0
        }
    }

    /// Only `select` and `subsel` are writable; each write recomputes the answer.
    mutating func write(offset: Int, size: Int, value: UInt64) {
        for i in 0..<size {
            let byte = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
            if offset + i == 0 { select = byte } else if offset + i == 1 { subselect = byte }
        }
        if offset <= 1 { answer = Self.answer(profile, select, subselect) }
    }

    static func answer(_ profile: InputProfile, _ select: UInt8, _ subselect: UInt8) -> [UInt8] {
        guard let selector = Selector(rawValue: select) else { return [] }
        switch selector {
        case .unset:
            return []
        case .name:
            return subselect == 0 ? Array(profile.name.utf8.prefix(maxAnswer)) : []
        case .serial:
            return subselect == 0 ? Array(profile.serial.utf8.prefix(maxAnswer)) : []
        case .deviceIDs:
            guard subselect == 0 else { return [] }
            let ids = profile.ids
            return [ids.bus, ids.vendor, ids.product, ids.version].flatMap(littleEndian)
        case .propertyBits:
            return subselect == 0 ? bitmap(profile.properties) : []
        case .eventBits:
            return bitmap(profile.events[UInt16(subselect)] ?? [])
        case .absoluteInfo:
            guard let axis = profile.axes[UInt16(subselect)] else { return [] }
            return [axis.minimum, axis.maximum, axis.fuzz, axis.flat, axis.resolution].flatMap(littleEndian)
        }
    }

    /// A bitmap with bit `code` set for each code, trimmed after its last non-zero byte (an
    /// empty set answers size 0, which the driver reads as "none").
    static func bitmap(_ codes: [UInt16]) -> [UInt8] {
        var bits = [UInt8](repeating: 0, count: maxAnswer)
        for code in codes where Int(code) < maxAnswer * 8 {
            bits[Int(code) / 8] |= 1 << (code % 8)
        }
        guard let last = bits.lastIndex(where: { $0 != 0 }) else { return [] }
        return Array(bits[...last])
    }

    private static func littleEndian(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
}
