/// Why a guest-program test could not run or did not pass; each message says what to do.
enum GuestTestError: Error, CustomStringConvertible {
    /// A host tool the tests need is not installed.
    case missingTool(name: String, debianPackage: String)
    /// `XEMU_DIFF_TARGET` names no runner.
    case unknownTarget(String)
    /// The xemu binary is not next to the test bundle.
    case xemuNotBuilt(expectedAt: String)
    /// Assembling or linking a guest program failed.
    case buildFailed(command: String, output: String)
    /// A process could not be started.
    case launchFailed(path: String, reason: String)

    var description: String {
        switch self {
        case let .missingTool(name, package):
            "'\(name)' is not installed: install the Debian package '\(package)' (apt-get install \(package))"
        case let .unknownTarget(value):
            "XEMU_DIFF_TARGET='\(value)' is not a runner: use 'xemu' or 'qemu-system'"
        case let .xemuNotBuilt(path):
            "no xemu binary at \(path): build the package (swift build) or set XEMU_DIFF_TARGET=qemu-system"
        case let .buildFailed(command, output):
            "building a guest program failed: \(command)\n\(output)"
        case let .launchFailed(path, reason):
            "cannot run \(path): \(reason)"
        }
    }
}
