/// One property of a device-tree node: a name and a big-endian byte value, as the Devicetree
/// Specification v0.4 §2.2.4 and §5.4.1 lay it out.
///
/// The initialisers encode the value kinds the specification names (§2.2.4.2): empty,
/// `<u32>`, `<u64>`, `<prop-encoded-array>` of cells, `<string>`, `<stringlist>`, `<phandle>`
/// and raw bytes; the accessors decode them back for code that reads a tree.
public struct DeviceTreeProperty: Equatable, Sendable {
    public var name: String
    public var value: [UInt8]

    public init(_ name: String, bytes: [UInt8] = []) {
        self.name = name
        self.value = bytes
    }

    public init(_ name: String, u32: UInt32) { self.init(name, u32s: [u32]) }

    public init(_ name: String, u64: UInt64) { self.init(name, u64s: [u64]) }

    /// A cell array (`reg`, `interrupts`, `interrupt-map`, ...): each value one 32-bit cell.
    public init(_ name: String, u32s: [UInt32]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(u32s.count * 4)
        for v in u32s { bytes.appendBigEndian(v) }
        self.init(name, bytes: bytes)
    }

    /// Values of two cells each, high cell first (`reg` with #address-cells = #size-cells = 2).
    public init(_ name: String, u64s: [UInt64]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(u64s.count * 8)
        for v in u64s { bytes.appendBigEndian(v) }
        self.init(name, bytes: bytes)
    }

    /// A NUL-terminated string.
    public init(_ name: String, string: String) { self.init(name, strings: [string]) }

    /// Consecutive NUL-terminated strings (`compatible`).
    public init(_ name: String, strings: [String]) {
        var bytes: [UInt8] = []
        for s in strings {
            bytes.append(contentsOf: s.utf8)
            bytes.append(0)
        }
        self.init(name, bytes: bytes)
    }

    /// The value as one u32 cell, if it is exactly four bytes.
    public var u32: UInt32? { value.count == 4 ? u32s?.first : nil }

    /// The value as one two-cell u64, if it is exactly eight bytes.
    public var u64: UInt64? {
        guard value.count == 8 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The value as 32-bit cells, if its length is a multiple of four.
    public var u32s: [UInt32]? {
        guard value.count % 4 == 0 else { return nil }
        return stride(from: 0, to: value.count, by: 4).map { i in
            value[i..<i + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    /// The value as a string list, if it is non-empty, NUL-terminated UTF-8.
    public var strings: [String]? {
        guard let last = value.last, last == 0 else { return nil }
        var result: [String] = []
        for part in value.dropLast().split(separator: 0, omittingEmptySubsequences: false) {
            guard let s = String(validating: part, as: UTF8.self) else { return nil }
            result.append(s)
        }
        return result
    }

    /// The value as one string, if it holds exactly one.
    public var string: String? {
        guard let list = strings, list.count == 1 else { return nil }
        return list[0]
    }
}

extension [UInt8] {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
