extension DeviceTree {
    /// The tree as a flattened device tree blob, version 17 (Devicetree Specification v0.4
    /// chapter 5): header, memory reservation block (8-byte aligned), structure block and
    /// strings block, with each property name stored once in the strings block.
    public func flattened() -> [UInt8] {
        var strings = StringsBlock()
        var structure: [UInt8] = []
        Self.emit(root, into: &structure, strings: &strings)
        structure.appendBigEndian(FDT.end)

        var reservationBlock: [UInt8] = []
        for entry in reservations {
            reservationBlock.appendBigEndian(entry.address)
            reservationBlock.appendBigEndian(entry.size)
        }
        reservationBlock.appendBigEndian(UInt64(0))
        reservationBlock.appendBigEndian(UInt64(0))

        let reservationOffset = FDT.headerSize          // 40 is already 8-byte aligned
        let structureOffset = reservationOffset + reservationBlock.count
        let stringsOffset = structureOffset + structure.count
        let totalSize = stringsOffset + strings.bytes.count
        precondition(totalSize <= Int(UInt32.max), "device tree larger than 4 GiB")

        var blob: [UInt8] = []
        blob.reserveCapacity(totalSize)
        for field in [
            FDT.magic, UInt32(totalSize), UInt32(structureOffset), UInt32(stringsOffset),
            UInt32(reservationOffset), FDT.version, FDT.lastCompatibleVersion, bootCPUID,
            UInt32(strings.bytes.count), UInt32(structure.count),
        ] {
            blob.appendBigEndian(field)
        }
        blob += reservationBlock
        blob += structure
        blob += strings.bytes
        return blob
    }

    private static func emit(_ node: DeviceTreeNode, into out: inout [UInt8], strings: inout StringsBlock) {
        out.appendBigEndian(FDT.beginNode)
        out.append(contentsOf: node.name.utf8)
        out.append(0)
        out.padToFourBytes()
        for property in node.properties {
            out.appendBigEndian(FDT.prop)
            out.appendBigEndian(UInt32(property.value.count))
            out.appendBigEndian(strings.offset(of: property.name))
            out += property.value
            out.padToFourBytes()
        }
        for child in node.children { emit(child, into: &out, strings: &strings) }
        out.appendBigEndian(FDT.endNode)
    }
}

/// The strings block under construction: each distinct property name once.
private struct StringsBlock {
    var bytes: [UInt8] = []
    var offsets: [String: UInt32] = [:]

    mutating func offset(of name: String) -> UInt32 {
        if let known = offsets[name] { return known }
        let offset = UInt32(bytes.count)
        bytes.append(contentsOf: name.utf8)
        bytes.append(0)
        offsets[name] = offset
        return offset
    }
}

extension [UInt8] {
    mutating func padToFourBytes() {
        while count % 4 != 0 { append(0) }
    }
}
