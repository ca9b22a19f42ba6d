/// Reads a user's device tree blob (`--dtb FILE`) so a board can use it in place of the tree it
/// would generate, after checking it the way `DeviceTree(flattened:)` does.
public enum DeviceTreeLoader {
    /// Blobs larger than this are refused before they are read: arm64 Linux accepts at most
    /// 2 MiB (booting.rst), and no real tree comes near the limit.
    public static let maximumSize: UInt64 = 2 << 20

    public static func load(_ path: String) throws(LoaderError) -> DeviceTree {
        let bytes = try ImageFile.contents(of: path, limit: maximumSize)
        do {
            return try DeviceTree(flattened: bytes)
        } catch {
            throw LoaderError(path: path, problem: .deviceTree(error))
        }
    }
}
