import ArgumentParser
import Boards
import Machine

/// `xemu boot` (the default subcommand): builds a machine from the options and runs a guest.
///
/// Options follow QEMU's names and value syntax where QEMU has them (`--drive file=...`,
/// `--netdev user,hostfwd=tcp::2222-:22`), so a QEMU command line translates one to one.
struct BootCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boot",
        abstract: "Run a guest on one of xemu's boards (the default subcommand)."
    )

    @OptionGroup var machine: MachineOptions

    @Option(help: ArgumentHelp("A device tree blob to pass instead of the generated one.", valueName: "path"))
    var dtb: String?

    @Option(name: .customLong("dump-dtb"), help: ArgumentHelp("Write the generated device tree to a file and exit.", valueName: "file"))
    var dumpDTB: String?

    @Option(help: ArgumentHelp("A host directory shared over virtio-9p: HOSTDIR,tag=NAME[,readonly=on] (repeatable).", valueName: "spec"))
    var share: [String] = []

    @Option(help: ArgumentHelp("Where the serial console goes: stdio or file:PATH.", valueName: "stdio|file:path"))
    var serial = "stdio"

    @Option(help: ArgumentHelp("The console device: serial (the board's UART) or virtio.", valueName: "serial|virtio"))
    var console = "serial"

    @Flag(name: .customLong("list-boards"), help: "List the boards and how far each is built.")
    var listBoards = false

    func run() throws {
        if listBoards {
            print(BoardTable.render(BoardCatalog.descriptors))
            return
        }
        let configuration: MachineConfiguration
        do {
            configuration = try makeConfiguration()
        } catch {
            throw CommandFailure.usage(error.description)
        }
        let exit = try MachineLauncher.run(configuration) { configuration in
            guard let boardType = BoardCatalog.boardType(named: configuration.board) else {
                throw CommandFailure.runtime("board '\(configuration.board)' is planned and cannot run guests yet")
            }
            return try boardType.init(configuration: configuration)
        }
        if let failure = exit.failure(timeout: configuration.timeout) { throw failure }
    }

    /// Seconds as users wrote them: `30`, not `30.0`.
    static func secondsText(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
    }
}
