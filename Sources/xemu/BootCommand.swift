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

    @Option(help: ArgumentHelp("The board to emulate (see --list-boards).", valueName: "name"))
    var board: String?

    @Option(help: ArgumentHelp("A kernel or bare-metal program (Image, bzImage or ELF).", valueName: "path"))
    var kernel: String?

    @Option(help: ArgumentHelp("An initial ramdisk for the kernel.", valueName: "path"))
    var initrd: String?

    @Option(help: ArgumentHelp("The kernel command line.", valueName: "string"))
    var append: String?

    @Option(help: ArgumentHelp("Firmware to run first, or 'none' to enter the kernel directly.", valueName: "path|none"))
    var bios: String?

    @Option(help: ArgumentHelp("A device tree blob to pass instead of the generated one.", valueName: "path"))
    var dtb: String?

    @Option(name: .customLong("dump-dtb"), help: ArgumentHelp("Write the generated device tree to a file and exit.", valueName: "file"))
    var dumpDTB: String?

    @Option(help: ArgumentHelp("Guest RAM: 512M, 2G, 1024K or bytes (16M to 64G).", valueName: "size"))
    var memory = "512M"

    @Option(help: ArgumentHelp("Number of vCPUs (1 to 64).", valueName: "n"))
    var smp = 1

    @Option(help: ArgumentHelp(
        "A virtio disk: file=PATH[,format=raw][,readonly=on|off][,snapshot=on|off][,if=virtio][,serial=NAME][,queues=N] (repeatable).",
        valueName: "spec"))
    var drive: [String] = []

    @Option(help: ArgumentHelp(
        "A user-mode network: user[,hostfwd=[tcp|udp]:[ADDR]:HPORT-[GADDR]:GPORT]...[,mac=52:54:00:12:34:56] (repeatable).",
        valueName: "spec"))
    var netdev: [String] = []

    @Option(help: ArgumentHelp("A host directory shared over virtio-9p: HOSTDIR,tag=NAME[,readonly=on] (repeatable).", valueName: "spec"))
    var share: [String] = []

    @Option(help: ArgumentHelp("Where the serial console goes: stdio or file:PATH.", valueName: "stdio|file:path"))
    var serial = "stdio"

    @Option(help: ArgumentHelp("The console device: serial (the board's UART) or virtio.", valueName: "serial|virtio"))
    var console = "serial"

    @Flag(help: "Add a virtio entropy device.")
    var rng = false

    @Option(name: .customLong("virtio-ring"), help: ArgumentHelp("Offer only this virtqueue format (default: both).", valueName: "split|packed"))
    var virtioRing: String?

    @Option(name: .customLong("virtio-transport"), help: ArgumentHelp("The virtio transport (default: the board's own).", valueName: "mmio|pci"))
    var virtioTransport: String?

    @Option(help: ArgumentHelp("Stop the guest after this many seconds (exit status 124).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp(
        "Execution tiers: interp (interpreter only; the default), llvm (compile every block on first run), auto (hot regions compiled in the background).",
        valueName: "interp|llvm|auto"))
    var jit = "interp"

    @Option(name: .customLong("jit-threshold"), help: ArgumentHelp("Block entries before --jit auto compiles a region (default 1000).", valueName: "n"))
    var jitThreshold: Int?

    @Flag(name: .customLong("jit-stats"), help: "Print LLVM tier statistics (regions, compile latency, compile share of wall time) to stderr at exit.")
    var jitStats = false

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
        if let option = UnbuiltFeatures.firstRequested(in: configuration) {
            throw CommandFailure.runtime("\(option) is not available yet")
        }
        guard let boardType = BoardCatalog.boardType(named: configuration.board) else {
            throw CommandFailure.runtime("board '\(configuration.board)' is planned and cannot run guests yet")
        }
        let exit: MachineExit
        do {
            let machine = try boardType.init(configuration: configuration)
            exit = try machine.run()
        } catch {
            throw CommandFailure.runtime("\(error)")
        }
        if let failure = exit.failure(timeout: configuration.timeout) { throw failure }
    }

    /// Seconds as users wrote them: `30`, not `30.0`.
    static func secondsText(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? String(Int64(seconds)) : String(seconds)
    }
}
