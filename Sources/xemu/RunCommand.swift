import ArgumentParser
import Boards
import Machine

/// `xemu run`: boots a board's default guest (or the given kernel and initramfs), runs one
/// command in it with the host's directories mounted at their own paths, streams the command's
/// stdout and stderr to xemu's, and exits with the command's status.
///
/// Exit status: the command's own (a signal N as 128 + N, as a shell reports it); 124 when
/// `--timeout` stopped the guest; 125 when xemu or the guest failed around the command (no
/// images, a kernel panic, a share that could not be mounted), as `docker run` does; 126 and
/// 127 when the command cannot be run or is not there; 2 for a bad command line.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one command in a guest and exit with its status.",
        discussion: """
            Boots the board's default guest (Images/build.sh builds it), mounts each --share at its \
            host path (default: the current directory, read-write), runs COMMAND in --cwd with the \
            given environment, streams its stdout and stderr, and exits with its status: 124 after \
            --timeout, 125 when the guest or xemu failed, 127 when COMMAND is not in the guest.
            """
    )

    /// The board `xemu run` boots when `--board` is not given.
    static let defaultBoard = "virt-riscv64"

    @OptionGroup var machine: MachineOptions

    @Option(help: ArgumentHelp(
        "A host directory mounted in the guest at its own absolute path: DIR[,readonly=on][,tag=NAME] (repeatable; default: the current directory, read-write).",
        valueName: "spec"))
    var share: [String] = []

    @Option(help: ArgumentHelp("The command's working directory in the guest (default: the current directory when it is shared, else /).", valueName: "dir"))
    var cwd: String?

    @Option(help: ArgumentHelp("NAME=VALUE in the command's environment, or NAME to pass the host's value (repeatable).", valueName: "name=value"))
    var env: [String] = []

    @Flag(help: "Keep every --drive unchanged (the guest's writes go to a temporary overlay).")
    var snapshot = false

    @Flag(help: "Show the guest's kernel console on stderr.")
    var verbose = false

    @Option(name: .customLong("console-log"), help: ArgumentHelp("Write the guest's kernel console to this file.", valueName: "file"))
    var consoleLog: String?

    @Option(help: ArgumentHelp("Write a JSON report of the run (times, exit status) to this file.", valueName: "file"))
    var report: String?

    @Option(name: .customLong("dump-run-archive"), help: ArgumentHelp(
        "Write the cpio segment that carries the command (appended to the initrd) to a file and exit, to run the same command under another emulator.",
        valueName: "file"))
    var dumpRunArchive: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command to run in the guest and its arguments, after --.", valueName: "command"))
    var command: [String] = []

    func run() throws {
        let started = ContinuousClock.now
        let plan = try makePlan()
        let archive = GuestRunScript.archive(plan.guestRun, exitStatusCommands: plan.boardType.exitStatusCommands)
        if let path = dumpRunArchive {
            try OutputFile.write(archive, to: path, option: "--dump-run-archive")
            return
        }
        let consoleBackend = try plan.makeConsoleLogBackend()
        let control = RunControlChannel()
        let attachments = MachineAttachments(
            serial: consoleBackend,
            consoles: [DescriptorCharBackend(fd: 1), DescriptorCharBackend(fd: 2), control],
            initrdAppendix: archive)
        let boardType = plan.boardType
        var result = RunResult(timeout: plan.configuration.timeout, started: started)
        do {
            let exit = try MachineLauncher.run(plan.configuration) { configuration in
                try boardType.init(configuration: configuration, attachments: attachments)
            }
            result.finish(exit: exit, events: control.events, at: .now)
        } catch {
            result.fail(error.message, at: .now)
        }
        if let path = report {
            try OutputFile.write(Array(RunReport(plan: plan, result: result, command: command).json.utf8), to: path, option: "--report")
        }
        if result.showsConsoleTail, let tail = consoleBackend as? TailCharBackend {
            ConsoleTail.print(tail.contents)
        }
        if let message = result.message {
            throw CommandFailure(message, status: result.status)
        }
        if result.status != 0 { throw CommandStatus(status: result.status) }
    }
}
