#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The end of the hidden kernel console, shown on stderr when `xemu run` fails before or around
/// the command, so a panic or a missing driver explains itself without a second run.
enum ConsoleTail {
    /// Lines shown at most.
    static let lineCount = 40

    static func print(_ bytes: [UInt8]) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).suffix(lineCount)
        guard lines.contains(where: { !$0.isEmpty }) else { return }
        var text = Array("xemu: the guest's console ended with:\n".utf8)
        for line in lines {
            text += line.filter { $0 != UInt8(ascii: "\r") }
            text.append(UInt8(ascii: "\n"))
        }
        fflush(nil)
        text.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}
