#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files a subcommand writes whole (`xemu run --report`, `--dump-run-archive`), each failure
/// reported as one line naming the option.
enum OutputFile {
    static func write(_ bytes: [UInt8], to path: String, option: String) throws(CommandFailure) {
        guard let file = fopen(path, "wb") else {
            throw .runtime("\(option): cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0 else {
            throw .runtime("\(option): cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
    }
}
