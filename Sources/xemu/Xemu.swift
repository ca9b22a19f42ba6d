import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `xemu` command. Running a machine (`boot`) is the default subcommand, so
/// `xemu --board virt-riscv64 --kernel Image` needs no subcommand name.
///
/// Every failure ends the same way: one line on stderr starting with `xemu: `, exit status 2
/// for a bad command line and 1 for a failed run (see `CommandFailure`).
@main
struct Xemu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xemu",
        abstract: "A multi-architecture system emulator.",
        version: XemuVersion.description,
        subcommands: [BootCommand.self, RunCommand.self, BenchCommand.self],
        defaultSubcommand: BootCommand.self
    )

    static func main() {
        main(CommandLine.arguments.dropFirst().map { $0 })
    }

    static func main(_ arguments: [String]) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            exit(withError: nil)
        } catch let failure as CommandFailure {
            failure.report()
        } catch let finished as CommandStatus {
            fflush(nil)
            Glibc.exit(finished.status)
        } catch {
            // ArgumentParser's own outcomes: help and --version exit cleanly with their text;
            // its parse errors become our one-line usage failure.
            if exitCode(for: error) == .success {
                exit(withError: error)
            }
            let message = Self.message(for: error).split(whereSeparator: \.isNewline).joined(separator: "; ")
            let isUsage = exitCode(for: error) == .validationFailure
            let subcommands = [BenchCommand.configuration.commandName, RunCommand.configuration.commandName].compactMap { $0 }
            let helpCommand = subcommands.first { $0 == arguments.first } ?? "boot"
            CommandFailure(isUsage ? "\(message) (see 'xemu \(helpCommand) --help')" : message,
                           status: isUsage ? CommandFailure.usageStatus : CommandFailure.runtimeStatus).report()
        }
    }
}
