import Machine

extension MachineExit {
    /// What a finished run means for xemu's own exit: nil to exit 0, otherwise the failure to
    /// report. A guest's power-off status becomes xemu's status, so a test program in the guest
    /// can fail the host command; a status the host cannot express (a multiple of 256, or
    /// negative) becomes 1 rather than a false success.
    func failure(timeout: Double?) -> CommandFailure? {
        switch self {
        case let .poweredOff(status):
            guard status != 0 else { return nil }
            let hostStatus = (1...255).contains(status) ? status : CommandFailure.runtimeStatus
            return CommandFailure("guest powered off with status \(status)", status: hostStatus)
        case .reset, .userQuit:
            return nil
        case .timedOut:
            return CommandFailure("guest timed out after \(BootCommand.secondsText(timeout ?? 0)) s", status: CommandFailure.timeoutStatus)
        }
    }
}
