extension DeviceTree {
    /// Deepest node nesting accepted; real trees use fewer than ten levels.
    static let maximumDepth = 64

    /// Parses a flattened device tree blob (version 16 or 17, Devicetree Specification v0.4
    /// chapter 5), such as a user's `--dtb` file.
    ///
    /// Every offset and length in the blob is checked against the blob before use, so a
    /// truncated or corrupt file gives a `DeviceTreeError` naming what is wrong, never a trap.
    /// Bytes past the header's `totalsize` are ignored.
    public init(flattened blob: [UInt8]) throws(DeviceTreeError) {
        var reader = BlobReader(bytes: blob)
        guard blob.count >= 4 else { throw .truncated(what: "the header", needed: FDT.headerSize, available: blob.count) }
        let magic = reader.u32(at: 0)
        guard magic == FDT.magic else { throw .badMagic(magic) }
        guard blob.count >= 28 else { throw .truncated(what: "the header", needed: FDT.headerSize, available: blob.count) }
        let version = reader.u32(at: 20), lastCompatible = reader.u32(at: 24)
        guard version >= 16, lastCompatible <= FDT.version else {
            throw .unsupportedVersion(version: version, lastCompatible: lastCompatible)
        }
        // Version 16 headers end before size_dt_struct.
        let headerSize = version >= 17 ? FDT.headerSize : FDT.headerSize - 4
        guard blob.count >= headerSize else { throw .truncated(what: "the header", needed: headerSize, available: blob.count) }
        let totalSize = reader.u32(at: 4)
        guard Int(totalSize) <= blob.count else {
            throw .truncated(what: "the size in the header", needed: Int(totalSize), available: blob.count)
        }
        guard Int(totalSize) >= headerSize else { throw .badBlock(what: "header", offset: 0, size: totalSize) }
        reader.limit = Int(totalSize)

        let structureOffset = reader.u32(at: 8), stringsOffset = reader.u32(at: 12)
        let reservationOffset = reader.u32(at: 16)
        let stringsSize = reader.u32(at: 32)
        let structureSize = version >= 17 ? reader.u32(at: 36) : totalSize &- min(structureOffset, totalSize)

        let structure = try Self.block("structure block", offset: structureOffset, size: structureSize,
                                       alignment: 4, headerSize: headerSize, total: totalSize)
        let strings = try Self.block("strings block", offset: stringsOffset, size: stringsSize,
                                     alignment: 1, headerSize: headerSize, total: totalSize)
        _ = try Self.block("memory reservation block", offset: reservationOffset, size: 16,
                           alignment: 8, headerSize: headerSize, total: totalSize)

        var reservations: [DeviceTreeReservation] = []
        var entry = Int(reservationOffset)
        while true {
            guard entry + 16 <= reader.limit else {
                throw .truncated(what: "the memory reservation block", needed: entry + 16, available: reader.limit)
            }
            let address = reader.u64(at: entry), size = reader.u64(at: entry + 8)
            if address == 0 && size == 0 { break }
            reservations.append(DeviceTreeReservation(address: address, size: size))
            entry += 16
        }

        reader.limit = structure.upperBound
        let root = try Self.parseStructure(&reader, structure: structure, strings: strings)
        self.init(root: root, reservations: reservations, bootCPUID: reader.u32(at: 28))
    }

    /// The byte range of one block, checked to lie after the header and inside the blob.
    private static func block(_ what: String, offset: UInt32, size: UInt32, alignment: UInt32,
                              headerSize: Int, total: UInt32) throws(DeviceTreeError) -> Range<Int> {
        let end = UInt64(offset) + UInt64(size)
        guard offset % alignment == 0, Int(offset) >= headerSize, end <= UInt64(total) else {
            throw .badBlock(what: what, offset: offset, size: size)
        }
        return Int(offset)..<Int(end)
    }

    private static func parseStructure(_ reader: inout BlobReader, structure: Range<Int>,
                                       strings: Range<Int>) throws(DeviceTreeError) -> DeviceTreeNode {
        var open: [DeviceTreeNode] = []
        var root: DeviceTreeNode?
        var position = structure.lowerBound
        // Every token advances `position` by at least four bytes, so the walk is bounded.
        while true {
            let token = try reader.token(at: position)
            let tokenOffset = position
            position += 4
            switch token {
            case FDT.nop:
                continue
            case FDT.beginNode where root == nil:
                guard open.count < maximumDepth else { throw .tooDeep(limit: maximumDepth) }
                let name = try reader.name(at: position, end: structure.upperBound)
                position = (position + name.utf8.count + 1 + 3) & ~3
                open.append(DeviceTreeNode(name: name))
            case FDT.prop where !open.isEmpty:
                guard position + 8 <= structure.upperBound else {
                    throw .truncated(what: "the property at offset \(tokenOffset)", needed: position + 8, available: structure.upperBound)
                }
                let length = Int(reader.u32(at: position)), nameOffset = reader.u32(at: position + 4)
                position += 8
                guard length <= structure.upperBound - position else {
                    throw .truncated(what: "the property at offset \(tokenOffset)", needed: position + length, available: structure.upperBound)
                }
                guard Int(nameOffset) < strings.count else { throw .badNameOffset(nameOffset, offset: tokenOffset) }
                let name = try reader.name(at: strings.lowerBound + Int(nameOffset), end: strings.upperBound)
                let value = Array(reader.bytes[position..<position + length])
                open[open.count - 1].properties.append(DeviceTreeProperty(name, bytes: value))
                position = (position + length + 3) & ~3
            case FDT.endNode where !open.isEmpty:
                let node = open.removeLast()
                if open.isEmpty { root = node } else { open[open.count - 1].children.append(node) }
            case FDT.end where root != nil:
                return root!
            default:
                throw .unexpectedToken(token, offset: tokenOffset)
            }
        }
    }
}

/// Big-endian reads from a blob, each checked by its caller against `limit`.
private struct BlobReader {
    let bytes: [UInt8]
    /// The end of the part of the blob being read.
    var limit: Int

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.limit = bytes.count
    }

    func u32(at offset: Int) -> UInt32 {
        bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    func u64(at offset: Int) -> UInt64 {
        UInt64(u32(at: offset)) << 32 | UInt64(u32(at: offset + 4))
    }

    func token(at offset: Int) throws(DeviceTreeError) -> UInt32 {
        guard offset + 4 <= limit else {
            throw .truncated(what: "the structure block", needed: offset + 4, available: limit)
        }
        return u32(at: offset)
    }

    /// A NUL-terminated UTF-8 name starting at `offset`, which must end before `end`.
    func name(at offset: Int, end: Int) throws(DeviceTreeError) -> String {
        guard let nul = bytes[offset..<end].firstIndex(of: 0) else { throw .unterminatedName(offset: offset) }
        guard let name = String(validating: bytes[offset..<nul], as: UTF8.self) else { throw .invalidName(offset: offset) }
        return name
    }
}
