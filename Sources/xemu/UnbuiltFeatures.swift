import Machine

/// The options xemu parses and validates but whose devices are not built yet.
///
/// This is the one place that knows: when a device lands, its entry is deleted here, and the
/// option then reaches the board. A user who asks for one gets a plain "not available yet"
/// instead of a guest that silently lacks the device.
enum UnbuiltFeatures {
    /// The first option in `configuration` that xemu cannot honour yet, as its flag.
    static func firstRequested(in configuration: MachineConfiguration) -> String? {
        let requested: [(option: String, isRequested: Bool)] = [
            ("--smp", configuration.cpuCount > 1),
        ]
        return requested.first(where: \.isRequested)?.option
    }
}
