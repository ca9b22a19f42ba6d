/// A writer for the "new ASCII" (newc) cpio format that Linux unpacks as an initramfs
/// (Documentation/driver-api/early-userspace/buffer-format.rst).
///
/// Each entry is a 110-byte header of "070701" and thirteen 8-digit hex fields, the NUL-ended
/// name padded to a 4-byte boundary, then the data padded the same way; `TRAILER!!!` ends the
/// archive. Owner root, modification time 0, so the bytes depend only on the entries.
public struct NewcArchive {
    public private(set) var bytes: [UInt8] = []
    private var nextInode: UInt32 = 1
    private var finished = false

    public init() {}

    /// A directory with permission bits `permissions`.
    public mutating func addDirectory(_ name: String, permissions: UInt32 = 0o755) {
        append(name: name, mode: 0o040000 | permissions, data: [])
    }

    /// A regular file.
    public mutating func addFile(_ name: String, permissions: UInt32 = 0o644, contents: [UInt8]) {
        append(name: name, mode: 0o100000 | permissions, data: contents)
    }

    /// The archive with its trailer.
    public mutating func finish() -> [UInt8] {
        if !finished {
            append(name: "TRAILER!!!", mode: 0, data: [], inode: 0)
            finished = true
        }
        return bytes
    }

    private mutating func append(name: String, mode: UInt32, data: [UInt8], inode: UInt32? = nil) {
        precondition(!finished, "entries after the trailer are never unpacked")
        precondition(data.count <= Int(UInt32.max), "a newc entry holds at most 4 GiB")
        let nameBytes = Array(name.utf8) + [0]
        let number = inode ?? nextInode
        if inode == nil { nextInode += 1 }
        let links: UInt32 = mode & 0o170000 == 0o040000 ? 2 : 1
        let fields: [UInt32] = [number, mode, 0, 0, links, 0, UInt32(data.count), 0, 0, 0, 0, UInt32(nameBytes.count), 0]
        bytes += Array("070701".utf8)
        for field in fields { bytes += Self.hex8(field) }
        bytes += nameBytes
        pad()
        bytes += data
        pad()
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    private static func hex8(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789ABCDEF".utf8)
        return (0..<8).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 0xF)] }
    }
}
