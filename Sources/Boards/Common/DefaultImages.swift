#if canImport(Glibc)
import Glibc
#endif

/// Finds the guest images `Images/build.sh` makes (default firmware, kernels), as QEMU finds
/// its bundled firmware: `$XEMU_IMAGES`, then `Images/out` under the current directory, then
/// `Images/out` in the source tree the running binary was built in (`.build/<config>/xemu`).
enum DefaultImages {
    static func path(_ relative: String) -> String? {
        var roots: [String] = []
        if let env = getenv("XEMU_IMAGES") { roots.append(String(cString: env)) }
        roots.append("Images/out")
        if let executable = executablePath() {
            var parts = executable.split(separator: "/", omittingEmptySubsequences: false)
            // <root>/.build/<triple>/<config>/xemu or <root>/.build/<config>/xemu
            while let last = parts.popLast() {
                if last == ".build" || last.hasPrefix(".build-") {
                    roots.append(parts.joined(separator: "/") + "/Images/out")
                    break
                }
            }
        }
        return roots.lazy.map { $0 + "/" + relative }.first { access($0, R_OK) == 0 }
    }

    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
