import Boards
import Machine

extension BootCommand {
    /// The options as a validated `MachineConfiguration`: every value parsed, the board known,
    /// every named host file usable and no two options in conflict.
    func makeConfiguration() throws(ConfigurationError) -> MachineConfiguration {
        guard let board = machine.board else {
            throw .missingOption("--board", hint: "known boards: \(BoardCatalog.descriptors.map(\.name).joined(separator: ", "))")
        }
        var configuration = try machine.configuration(board: board)
        configuration.deviceTree = dtb
        configuration.dumpDeviceTree = dumpDTB
        for text in share { configuration.shares.append(try ShareConfiguration(parsing: text)) }
        configuration.serial = try SerialConfiguration(parsing: serial)
        configuration.console = try ConsoleKind(parsing: console, option: "--console")
        try configuration.validate()
        return configuration
    }
}
