/// One command for `xemu run` to execute in a guest, as plain values: its argument bytes,
/// environment, working directory and the host directories to mount at their own paths.
///
/// `GuestRunScript` turns it into the script the guest runs; nothing here is quoted or
/// escaped yet, so arguments may hold any bytes but NUL (which no argv can hold).
public struct GuestRun: Sendable, Equatable {
    /// A 9p share mounted in the guest at `path`, the directory's absolute host path.
    public struct Mount: Sendable, Equatable {
        public var path: String
        public var tag: String
        public var readOnly: Bool

        public init(path: String, tag: String, readOnly: Bool) {
            self.path = path
            self.tag = tag
            self.readOnly = readOnly
        }
    }

    /// `name=value` in the command's environment.
    public struct Variable: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// argv, the command first; never empty.
    public var arguments: [[UInt8]]
    public var environment: [Variable] = []
    /// An absolute guest path.
    public var workingDirectory: String
    public var mounts: [Mount] = []
    /// Files of the initramfs's /lib/modules/load-order not to load (devices this run lacks).
    public var skippedModules: [String] = []

    public init(arguments: [[UInt8]], workingDirectory: String) {
        precondition(!arguments.isEmpty, "a guest run needs a command")
        self.arguments = arguments
        self.workingDirectory = workingDirectory
    }

    /// The search path the command starts with (busybox installs its applets there).
    public static let searchPath = "/sbin:/bin:/usr/sbin:/usr/bin"

    /// Whether `name` can be an environment variable the guest shell exports: a letter or
    /// underscore, then letters, digits and underscores (POSIX.1-2017 XBD 8.1 and the shell's
    /// `export`).
    public static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || isLetter(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || isLetter($0) || (0x30...0x39).contains($0) }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
