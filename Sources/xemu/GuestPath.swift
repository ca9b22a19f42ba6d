#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Host paths as `xemu run` mounts them in the guest: absolute, without `.` and `..`, and with
/// symbolic links resolved where the path exists, so a share and the working directory inside
/// it agree however the user spelled them.
enum GuestPath {
    /// The host's current directory, or `/` if it cannot be read.
    static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `path` made absolute against `directory` and normalized; resolved through `realpath`
    /// when it exists on the host.
    static func resolve(_ path: String, from directory: String) -> String {
        let absolute = path.hasPrefix("/") ? path : directory + "/" + path
        if let real = realpath(absolute, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        return normalize(absolute)
    }

    /// An absolute path with `.`, `..` and repeated slashes removed (`..` at the root stays at
    /// the root).
    static func normalize(_ absolute: String) -> String {
        var parts: [Substring] = []
        for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether `path` is `directory` or lies below it (both normalized and absolute).
    static func isWithin(_ path: String, _ directory: String) -> Bool {
        if directory == "/" { return true }
        return path == directory || path.hasPrefix(directory + "/")
    }
}
