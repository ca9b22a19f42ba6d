#if canImport(Glibc)
import Glibc
#endif
import Machine

/// `--dump-dtb FILE`: writes the board's generated device tree, as QEMU's `dumpdtb` does, for
/// inspection with `dtc -I dtb -O dts`.
enum DeviceTreeDump {
    static func write(_ tree: DeviceTree, to path: String) throws(BoardError) {
        let blob = tree.flattened()
        guard let file = fopen(path, "wb") else {
            throw .deviceTreeDump(path: path, reason: String(cString: strerror(errno)))
        }
        let written = blob.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == blob.count, closed == 0 else {
            throw .deviceTreeDump(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
