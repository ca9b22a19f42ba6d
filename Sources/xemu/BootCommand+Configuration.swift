import Boards
import Machine

extension BootCommand {
    /// The options as a validated `MachineConfiguration`: every value parsed, the board known,
    /// every named host file usable and no two options in conflict.
    func makeConfiguration() throws(ConfigurationError) -> MachineConfiguration {
        let known = BoardCatalog.descriptors.map(\.name)
        guard let board else { throw .missingOption("--board", hint: "known boards: \(known.joined(separator: ", "))") }
        guard BoardCatalog.descriptor(named: board) != nil else { throw .unknownBoard(board, known: known) }

        var configuration = MachineConfiguration(board: board)
        configuration.memorySize = try MemorySize(parsing: memory).bytes
        configuration.cpuCount = smp
        configuration.kernel = kernel
        configuration.initrd = initrd
        configuration.commandLine = append
        if let bios { configuration.firmware = try FirmwareChoice(parsing: bios) }
        configuration.deviceTree = dtb
        configuration.dumpDeviceTree = dumpDTB
        for text in drive { configuration.drives.append(try DriveConfiguration(parsing: text)) }
        for text in netdev { configuration.netdevs.append(try NetdevConfiguration(parsing: text)) }
        for text in share { configuration.shares.append(try ShareConfiguration(parsing: text)) }
        configuration.serial = try SerialConfiguration(parsing: serial)
        configuration.console = try ConsoleKind(parsing: console, option: "--console")
        configuration.entropyDevice = rng
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
        try configuration.validate()
        return configuration
    }
}
