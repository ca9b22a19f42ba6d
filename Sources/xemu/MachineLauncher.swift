import Boards
import Machine

/// The one path from a validated configuration to a finished guest, shared by `xemu boot` and
/// `xemu run`: refuse options whose devices are not built, build the board, run it.
enum MachineLauncher {
    /// Runs the board that `build` makes from `configuration` to its end. A failure is the
    /// `CommandFailure` that `build` threw, or a runtime one with the board's own message.
    static func run(_ configuration: MachineConfiguration,
                    build: (MachineConfiguration) throws -> any Board) throws(CommandFailure) -> MachineExit {
        if let option = UnbuiltFeatures.firstRequested(in: configuration) {
            throw .runtime("\(option) is not available yet")
        }
        do {
            let machine = try build(configuration)
            return try machine.run()
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw .runtime("\(error)")
        }
    }
}
