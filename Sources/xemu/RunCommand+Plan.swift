import Boards
import Machine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything `xemu run` decided before the guest starts: the machine, the command as the
/// guest will run it, and where the kernel console goes.
struct RunPlan {
    enum ConsoleLog: Equatable {
        /// On xemu's stderr (`--verbose`).
        case stderr
        /// In a file (`--console-log`).
        case file(String)
        /// Kept in memory and shown only when the run fails.
        case tail
    }

    var boardType: any RunnableBoard.Type
    var configuration: MachineConfiguration
    var guestRun: GuestRun
    var consoleLog: ConsoleLog

    /// The kernel console's backend; a log file is truncated first.
    func makeConsoleLogBackend() throws(CommandFailure) -> any CharBackend {
        switch consoleLog {
        case .stderr:
            return DescriptorCharBackend(fd: STDERR_FILENO)
        case .tail:
            return TailCharBackend()
        case let .file(path):
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw .usage("--console-log: cannot create '\(path)': \(String(cString: strerror(errno)))")
            }
            close(fd)
            do { return try FileCharBackend(path: path) } catch { throw .usage("--console-log: \(error)") }
        }
    }
}

extension RunCommand {
    /// The kernel arguments every run starts with (then ` quiet` unless `--verbose`, then
    /// `--append`): the console on the UART, and a panic powers off at once. The rest skip boot
    /// work that a guest running one command does not need and that an emulated CPU pays for
    /// dearly (together about 60 % of the default kernel's instructions up to the command):
    /// `cryptomgr.notests` skips the self-test of every crypto algorithm as it registers;
    /// `initcall_blacklist` skips the jitter-entropy RNG and its start-up health test
    /// (`jent_mod_init`: an extra seed for the crypto DRBG, required only in FIPS mode; the
    /// kernel's own random pool does not use it), the KDF108 self-test (`crypto_kdf108_init`,
    /// which does nothing else), and the timed loop that measures unaligned-access speed
    /// (`check_unaligned_access_all_cpus`, a fixed span of jiffies like a delay calibration; it
    /// only feeds hwprobe). Benchmarks/run/run.sh gives QEMU the same line.
    static let kernelArguments = "console=ttyS0 panic=-1 cryptomgr.notests "
        + "initcall_blacklist=jent_mod_init,crypto_kdf108_init,check_unaligned_access_all_cpus"

    /// Guest paths a share may not cover: the guest's own system directories and the run's.
    static let reservedGuestPaths = ["/proc", "/sys", "/dev", "/bin", "/sbin", "/usr/bin", "/usr/sbin", "/init", "/xemu-run"]

    /// The options as a plan: a validated configuration for a board that can run commands, the
    /// default guest filled in, the shares and working directory as absolute paths.
    func makePlan() throws(CommandFailure) -> RunPlan {
        let board = machine.board ?? Self.defaultBoard
        var configuration: MachineConfiguration
        let guestRun: GuestRun
        do throws(ConfigurationError) {
            configuration = try machine.configuration(board: board)
            guestRun = try describeRun(into: &configuration)
            if snapshot {
                for index in configuration.drives.indices { configuration.drives[index].snapshot = true }
            }
            if verbose, consoleLog != nil {
                throw ConfigurationError.conflict("--verbose shows the kernel console on stderr and --console-log writes it to a file: give one of them")
            }
            if let report { try Self.checkCreatable(report, option: "--report") }
        } catch {
            throw .usage(error.description)
        }
        guard let boardType = BoardCatalog.runnableBoardType(named: board) else {
            let runnable = BoardCatalog.descriptors.map(\.name).filter { BoardCatalog.runnableBoardType(named: $0) != nil }
            throw CommandFailure("board '\(board)' cannot run commands yet (xemu run supports: \(runnable.joined(separator: ", ")))",
                                 status: RunResult.failureStatus)
        }
        let guest = boardType.defaultGuest
        if configuration.kernel == nil || configuration.initrd == nil {
            switch guest.locate() {
            case let .success(paths):
                configuration.kernel = configuration.kernel ?? paths.kernel
                configuration.initrd = configuration.initrd ?? paths.initrd
            case let .failure(missing):
                throw CommandFailure(missing.description, status: RunResult.failureStatus)
            }
        }
        let ownArguments = Self.kernelArguments + (verbose ? "" : " quiet")
        configuration.commandLine = [ownArguments, machine.append].compactMap { $0 }.joined(separator: " ")
        do {
            try configuration.validate()
        } catch {
            throw .usage(error.description)
        }
        let log: RunPlan.ConsoleLog = verbose ? .stderr : consoleLog.map { .file($0) } ?? .tail
        return RunPlan(boardType: boardType, configuration: configuration, guestRun: guestRun, consoleLog: log)
    }

    /// The guest's side of the run (argv, environment, working directory, mounts), adding the
    /// shares to `configuration`.
    private func describeRun(into configuration: inout MachineConfiguration) throws(ConfigurationError) -> GuestRun {
        guard !command.isEmpty else {
            throw .missingOption("a command", hint: "give it after --, e.g. xemu run --board \(Self.defaultBoard) -- uname -a")
        }
        let hostDirectory = GuestPath.currentDirectory()
        var shares: [ShareConfiguration] = []
        for (index, text) in share.enumerated() {
            var parsed = try ShareConfiguration(parsing: text, defaultTag: "xemu\(index)")
            parsed.hostPath = GuestPath.resolve(parsed.hostPath, from: hostDirectory)
            try Self.checkMountable(parsed.hostPath, option: "--share")
            shares.append(parsed)
        }
        if shares.isEmpty {
            try Self.checkMountable(hostDirectory, option: "the current directory (shared when no --share is given)")
            shares.append(ShareConfiguration(hostPath: hostDirectory, tag: "xemu0"))
        }
        configuration.shares += shares
        let mounts = shares.map { GuestRun.Mount(path: $0.hostPath, tag: $0.tag, readOnly: $0.readOnly) }
        let workingDirectory: String
        if let cwd {
            workingDirectory = GuestPath.resolve(cwd, from: hostDirectory)
        } else {
            workingDirectory = mounts.contains { GuestPath.isWithin(hostDirectory, $0.path) } ? hostDirectory : "/"
        }
        var run = GuestRun(arguments: RawArguments.afterTerminator(matching: command), workingDirectory: workingDirectory)
        run.mounts = mounts
        run.environment = try env.map(Self.variable)
        run.skippedModules = InitramfsModules.unneeded(by: configuration)
        return run
    }

    /// `--env NAME=VALUE`, or `--env NAME` for the host's value.
    private static func variable(_ text: String) throws(ConfigurationError) -> GuestRun.Variable {
        let name: String
        let value: String
        if let equals = text.firstIndex(of: "=") {
            name = String(text[..<equals])
            value = String(text[text.index(after: equals)...])
        } else {
            name = text
            guard let hostValue = getenv(text) else {
                throw .badValue(option: "--env", key: nil, value: text, expected: "NAME=VALUE, or the NAME of a variable set on the host")
            }
            value = String(cString: hostValue)
        }
        guard GuestRun.isVariableName(name) else {
            throw .badValue(option: "--env", key: nil, value: text,
                            expected: "NAME=VALUE with a NAME of letters, digits and _, not starting with a digit")
        }
        return GuestRun.Variable(name: name, value: value)
    }

    /// A share must not hide the guest's root or system directories.
    private static func checkMountable(_ path: String, option: String) throws(ConfigurationError) {
        guard path != "/" else {
            throw .conflict("\(option): '/' cannot be mounted over the guest's root; share a directory below it")
        }
        for reserved in reservedGuestPaths where GuestPath.isWithin(path, reserved) || GuestPath.isWithin(reserved, path) {
            throw .conflict("\(option): '\(path)' would cover the guest's \(reserved); share another directory")
        }
    }

    private static func checkCreatable(_ path: String, option: String) throws(ConfigurationError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw .fileNotAccessible(option: option, path: path, need: "creatable (\(String(cString: strerror(errno))))")
        }
        close(fd)
    }
}
