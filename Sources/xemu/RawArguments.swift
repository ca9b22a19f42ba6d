#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of the command-line arguments after `--`, exactly as the process received them.
///
/// Swift's `CommandLine.arguments` (and so ArgumentParser) repairs bytes that are not UTF-8;
/// `xemu run` must hand the guest command its arguments byte for byte, so it reads them from
/// `CommandLine.unsafeArgv` instead.
enum RawArguments {
    /// The raw bytes of the arguments after the first `--`, when they decode to `parsed` (what
    /// ArgumentParser collected); otherwise `parsed` as UTF-8, for callers that did not come
    /// through the process's own argv.
    static func afterTerminator(matching parsed: [String]) -> [[UInt8]] {
        var raw: [[UInt8]] = []
        var afterTerminator = false
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
            if afterTerminator {
                raw.append(bytes)
            } else if bytes == Array("--".utf8) {
                afterTerminator = true
            }
        }
        let matches = raw.count == parsed.count && zip(raw, parsed).allSatisfy { String(decoding: $0, as: UTF8.self) == $1 }
        return matches ? raw : parsed.map { Array($0.utf8) }
    }
}
