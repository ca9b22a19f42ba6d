#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a run of `xemu` ends when it does not succeed: one line for stderr and an exit status.
///
/// The status follows common practice: 2 for a command line that cannot work (like a shell
/// builtin's usage error), 1 for a run that failed, 124 for a guest stopped by `--timeout`
/// (as timeout(1) does).
struct CommandFailure: Error, Equatable {
    static let usageStatus: Int32 = 2
    static let runtimeStatus: Int32 = 1
    static let timeoutStatus: Int32 = 124

    let message: String
    let status: Int32

    init(_ message: String, status: Int32) {
        self.message = message
        self.status = status
    }

    /// A command line that cannot work.
    static func usage(_ message: String) -> CommandFailure { CommandFailure(message, status: usageStatus) }

    /// A run that could not start or did not finish.
    static func runtime(_ message: String) -> CommandFailure { CommandFailure(message, status: runtimeStatus) }

    /// Prints `xemu: MESSAGE` as one line on stderr and exits with the status.
    func report() -> Never {
        let line = "xemu: " + message.split(whereSeparator: \.isNewline).joined(separator: "; ") + "\n"
        fflush(nil)
        let bytes = Array(line.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            guard result > 0 else { break }
            written += result
        }
        exit(status)
    }
}
