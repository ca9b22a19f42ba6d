import CLLVM
import CSlirp

/// What `xemu --version` prints: xemu's version and the host libraries it was built against,
/// the first thing a bug report needs.
enum XemuVersion {
    static let number = "0.1.0"

    static var description: String {
        let slirp = String(cString: slirp_version_string())
        let triple = LLVMGetDefaultTargetTriple()
        defer { LLVMDisposeMessage(triple) }
        return "xemu \(number) (libslirp \(slirp), LLVM target \(String(cString: triple!)))"
    }
}
