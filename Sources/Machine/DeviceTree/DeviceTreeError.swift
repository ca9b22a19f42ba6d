/// Why a flattened device tree blob (a `--dtb` file) was refused. Each case names the part of
/// the blob that is wrong, so the user can tell a truncated file from one that is not a DTB.
public enum DeviceTreeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The blob ends before a structure it must contain.
    case truncated(what: String, needed: Int, available: Int)
    /// The first four bytes are not the FDT magic 0xd00dfeed.
    case badMagic(UInt32)
    /// The blob's version cannot be read by a version-17 reader.
    case unsupportedVersion(version: UInt32, lastCompatible: UInt32)
    /// A block named in the header lies outside the blob or is misaligned.
    case badBlock(what: String, offset: UInt32, size: UInt32)
    /// The structure block holds a token that is not valid at that place.
    case unexpectedToken(UInt32, offset: Int)
    /// A node name or property name runs past its block without a terminating NUL.
    case unterminatedName(offset: Int)
    /// A property's name offset points outside the strings block.
    case badNameOffset(UInt32, offset: Int)
    /// A name is not valid UTF-8.
    case invalidName(offset: Int)
    /// Nodes are nested deeper than a real tree ever is (a corrupt or hostile blob).
    case tooDeep(limit: Int)

    public var description: String {
        switch self {
        case let .truncated(what, needed, available):
            "the device tree blob is truncated: \(what) needs \(needed) bytes but only \(available) are present"
        case let .badMagic(magic):
            "not a flattened device tree: magic is 0x\(String(magic, radix: 16)), expected 0xd00dfeed"
        case let .unsupportedVersion(version, lastCompatible):
            "unsupported device tree version \(version) (compatible down to \(lastCompatible)); version 16 or 17 is needed"
        case let .badBlock(what, offset, size):
            "the device tree's \(what) (offset 0x\(String(offset, radix: 16)), size 0x\(String(size, radix: 16))) lies outside the blob or is misaligned"
        case let .unexpectedToken(token, offset):
            "unexpected token 0x\(String(token, radix: 16)) in the device tree's structure block at offset 0x\(String(offset, radix: 16))"
        case let .unterminatedName(offset):
            "a name at offset 0x\(String(offset, radix: 16)) of the device tree is not NUL-terminated"
        case let .badNameOffset(nameOffset, offset):
            "the property at offset 0x\(String(offset, radix: 16)) names string offset 0x\(String(nameOffset, radix: 16)), outside the strings block"
        case let .invalidName(offset):
            "a name at offset 0x\(String(offset, radix: 16)) of the device tree is not valid UTF-8"
        case let .tooDeep(limit):
            "the device tree nests nodes deeper than \(limit) levels"
        }
    }
}
