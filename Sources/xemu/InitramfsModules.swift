import Machine

/// Which kernel modules of the default initramfs a run can leave unloaded.
///
/// The initramfs carries the modules of Images/rootfs/modules.txt and their dependencies (its
/// /lib/modules/load-order); loading ext4, the network stack or the input drivers costs the
/// guest time that a command without a disk, a network or an input device does not need. A
/// module not named here is always loaded, so a module added to modules.txt keeps working.
enum InitramfsModules {
    /// Modules only a virtio disk needs (virtio_blk, ext4 and its dependencies).
    static let disk = ["virtio_blk.ko", "crc32c_generic.ko", "jbd2.ko", "mbcache.ko", "crc16.ko", "ext4.ko"]
    /// Modules only a virtio network device needs.
    static let network = ["failover.ko", "net_failover.ko", "virtio_net.ko"]
    /// The virtio entropy device's driver.
    static let entropy = ["virtio-rng.ko"]
    /// Modules only virtio input devices need (the driver and the event interface).
    static let input = ["virtio_input.ko", "evdev.ko"]

    /// The load-order file names the configured devices do not need.
    static func unneeded(by configuration: MachineConfiguration) -> [String] {
        var skipped: [String] = []
        if configuration.drives.isEmpty { skipped += disk }
        if configuration.netdevs.isEmpty { skipped += network }
        if !configuration.entropyDevice { skipped += entropy }
        if configuration.inputDevices.isEmpty { skipped += input }
        return skipped
    }
}
