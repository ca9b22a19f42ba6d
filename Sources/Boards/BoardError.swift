import Machine

/// Why a board could not be built or started; each message names what the user can change.
public enum BoardError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Guest RAM could not be set up (too large for the host, or a layout error).
    case memory(String)
    /// A kernel, firmware, initrd or device-tree file could not be loaded.
    case load(String)
    /// The console backend could not be opened.
    case console(String)
    /// Two pieces of the guest image do not fit in RAM together.
    case layout(String)
    /// The generated device tree could not be written.
    case deviceTreeDump(path: String, reason: String)
    /// A virtio device could not be created from its option.
    case device(String)
    /// More devices were asked for than the board has places for.
    case tooManyDevices(String)
    /// The board needs a file that `Images/build.sh` makes.
    case missingDefaultImage(path: String)
    /// The LLVM tier could not start (run with --jit interp).
    case translator(String)

    public var description: String {
        switch self {
        case let .memory(why): "guest RAM: \(why)"
        case let .load(why): why
        case let .console(why): "console: \(why)"
        case let .layout(why): why
        case let .deviceTreeDump(path, reason): "cannot write the device tree to \(path): \(reason)"
        case let .device(why): why
        case let .tooManyDevices(why): why
        case let .missingDefaultImage(path):
            "the default firmware \(path) is missing: run Images/build.sh, or pass --bios PATH or --bios none"
        case let .translator(why): "the LLVM tier cannot start (\(why)); run with --jit interp"
        }
    }
}
