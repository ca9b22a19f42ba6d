#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on host paths named by the command line, made before a board is built so that a typo
/// is reported as the option's problem rather than as a failure deep inside a device.
enum HostPath {
    enum Use {
        /// A file the guest or a loader reads.
        case readFile
        /// A disk image the guest may write.
        case writeFile
        /// A directory shared with the guest.
        case directory(writable: Bool)
    }

    /// The identity of a file (device and inode), to find one file named by two paths.
    struct Identity: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    @discardableResult
    static func check(_ path: String, for use: Use, option: String) throws(ConfigurationError) -> Identity {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw .fileNotFound(option: option, path: path) }
            throw .fileNotAccessible(option: option, path: path, need: "accessible")
        }
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        let isFile = info.st_mode & S_IFMT == S_IFREG
        switch use {
        case .readFile:
            guard isFile else { throw .notAFile(option: option, path: path) }
            guard access(path, R_OK) == 0 else { throw .fileNotAccessible(option: option, path: path, need: "readable") }
        case .writeFile:
            guard isFile else { throw .notAFile(option: option, path: path) }
            guard access(path, R_OK | W_OK) == 0 else {
                throw .fileNotAccessible(option: option, path: path, need: "readable and writable (add readonly=on or snapshot=on)")
            }
        case let .directory(writable):
            guard isDirectory else { throw .notADirectory(option: option, path: path) }
            guard access(path, R_OK | X_OK | (writable ? W_OK : 0)) == 0 else {
                throw .fileNotAccessible(option: option, path: path, need: writable ? "a writable directory (add readonly=on)" : "a readable directory")
            }
        }
        return Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Checks that a file can be created at `path`: its directory exists and is writable.
    static func checkCreatable(_ path: String, option: String) throws(ConfigurationError) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        var info = stat()
        guard stat(directory, &info) == 0 else { throw .fileNotFound(option: option, path: directory) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .notADirectory(option: option, path: directory) }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw .fileNotAccessible(option: option, path: directory, need: "a writable directory")
        }
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { throw .notAFile(option: option, path: path) }
    }
}
