import ArgumentParser
import Boards
import Machine

/// The options that describe a machine, shared by `xemu boot` and `xemu run` through
/// `@OptionGroup`, so both spell and check them the same way.
struct MachineOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The board to emulate (see --list-boards).", valueName: "name"))
    var board: String?

    @Option(help: ArgumentHelp("A kernel or bare-metal program (Image, bzImage or ELF).", valueName: "path"))
    var kernel: String?

    @Option(help: ArgumentHelp("An initial ramdisk for the kernel.", valueName: "path"))
    var initrd: String?

    @Option(help: ArgumentHelp("The kernel command line (xemu run adds it after its own).", valueName: "string"))
    var append: String?

    @Option(help: ArgumentHelp("Firmware to run first, or 'none' to enter the kernel directly.", valueName: "path|none"))
    var bios: String?

    @Option(help: ArgumentHelp("Guest RAM: 512M, 2G, 1024K or bytes (16M to 64G).", valueName: "size"))
    var memory = "512M"

    @Option(help: ArgumentHelp("Number of vCPUs (1 to 64).", valueName: "n"))
    var smp = 1

    @Option(help: ArgumentHelp(
        "A virtio disk: file=PATH[,format=raw][,readonly=on|off][,snapshot=on|off][,if=virtio][,serial=NAME][,queues=N][,transport=mmio|pci] (repeatable).",
        valueName: "spec"))
    var drive: [String] = []

    @Option(help: ArgumentHelp(
        "A user-mode network: user[,hostfwd=[tcp|udp]:[ADDR]:HPORT-[GADDR]:GPORT]...[,mac=52:54:00:12:34:56] (repeatable).",
        valueName: "spec"))
    var netdev: [String] = []

    @Flag(help: "Add a virtio entropy device.")
    var rng = false

    @Option(help: ArgumentHelp("Add a virtio input device: keyboard or tablet (an absolute pointer; repeatable, one of each).",
                               valueName: "keyboard|tablet"))
    var input: [String] = []

    @Option(name: .customLong("virtio-ring"), help: ArgumentHelp("Offer only this virtqueue format (default: both).", valueName: "split|packed"))
    var virtioRing: String?

    @Option(name: .customLong("virtio-transport"), help: ArgumentHelp("The virtio transport (default: the board's own).", valueName: "mmio|pci"))
    var virtioTransport: String?

    @Option(help: ArgumentHelp("Stop the guest after this many seconds (exit status 124).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp(
        "Execution tiers: auto (the default: hot regions compiled with LLVM in the background), interp (interpreter only), llvm (compile every block on first run).",
        valueName: "interp|llvm|auto"))
    var jit = "auto"

    @Option(name: .customLong("jit-threshold"), help: ArgumentHelp("Block entries within 100,000 guest instructions before --jit auto compiles a region (default 1000).", valueName: "n"))
    var jitThreshold: Int?

    @Flag(name: .customLong("jit-stats"), help: "Print LLVM tier statistics (regions, compile latency, compile share of wall time) to stderr at exit.")
    var jitStats = false

    /// A configuration for `board` (checked against the catalog) holding these options' values;
    /// not yet validated as a whole.
    func configuration(board: String) throws(ConfigurationError) -> MachineConfiguration {
        let known = BoardCatalog.descriptors.map(\.name)
        guard BoardCatalog.descriptor(named: board) != nil else { throw .unknownBoard(board, known: known) }
        var configuration = MachineConfiguration(board: board)
        configuration.memorySize = try MemorySize(parsing: memory).bytes
        configuration.cpuCount = smp
        configuration.kernel = kernel
        configuration.initrd = initrd
        configuration.commandLine = append
        if let bios { configuration.firmware = try FirmwareChoice(parsing: bios) }
        for text in drive { configuration.drives.append(try DriveConfiguration(parsing: text)) }
        for text in netdev { configuration.netdevs.append(try NetdevConfiguration(parsing: text)) }
        configuration.entropyDevice = rng
        for text in input { configuration.inputDevices.append(try InputDeviceKind(parsing: text, option: "--input")) }
        if let virtioRing { configuration.virtioRing = try VirtioRingFormat(parsing: virtioRing, option: "--virtio-ring") }
        if let virtioTransport {
            configuration.virtioTransport = try VirtioTransportKind(parsing: virtioTransport, option: "--virtio-transport")
        }
        configuration.timeout = timeout
        configuration.jit.mode = try JITConfiguration.Mode(parsing: jit, option: "--jit")
        if let jitThreshold {
            guard jitThreshold >= 1 else {
                throw .outOfRange(option: "--jit-threshold", value: String(jitThreshold), allowed: "1 or more")
            }
            configuration.jit.threshold = jitThreshold
        }
        configuration.jit.collectsStatistics = jitStats
        return configuration
    }
}
