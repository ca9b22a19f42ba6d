import ArgumentParser
import Boards
import Machine

/// The `xemu` command. Running a machine is the default; other uses are subcommands.
@main
struct Xemu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xemu",
        abstract: "A multi-architecture system emulator.",
        version: XemuVersion.description,
        subcommands: []
    )

    @Flag(name: .customLong("list-boards"), help: "List the boards and how far each is built.")
    var listBoards = false

    func run() throws {
        if listBoards {
            for board in BoardCatalog.descriptors {
                print(board.name, board.architecture, board.status, separator: "\t")
            }
        }
    }
}
