/// Everything a user chose for one machine: the command line's options as plain values.
///
/// The `xemu` command parses into this; a `Board` builds itself from it. Defaults are QEMU's
/// where QEMU has one, so that a QEMU user's expectations hold.
public struct MachineConfiguration: Sendable, Equatable {
    public var board: String
    /// Guest RAM in bytes.
    public var memorySize: UInt64 = 512 << 20
    public var cpuCount: Int = 1
    public var kernel: String?
    public var initrd: String?
    /// The kernel command line (`--append`).
    public var commandLine: String?
    public var firmware: FirmwareChoice = .boardDefault
    /// A device tree blob to pass instead of the generated one (`--dtb`).
    public var deviceTree: String?
    /// Write the generated device tree here and exit (`--dump-dtb`).
    public var dumpDeviceTree: String?
    public var drives: [DriveConfiguration] = []
    public var netdevs: [NetdevConfiguration] = []
    public var shares: [ShareConfiguration] = []
    public var serial: SerialConfiguration = .stdio
    /// nil: offer both ring formats and let the driver choose.
    public var virtioRing: VirtioRingFormat?
    /// nil: the board's own transport (MMIO on the virt boards, PCI on the PC).
    public var virtioTransport: VirtioTransportKind?
    /// Stop the guest after this many seconds of wall time.
    public var timeout: Double?
    /// Which device carries the guest's console (`--console`).
    public var console: ConsoleKind = .serial
    /// Offer the guest a virtio entropy device (`--rng`).
    public var entropyDevice = false
    /// virtio input devices (`--input keyboard|tablet`), in command-line order.
    public var inputDevices: [InputDeviceKind] = []
    /// The translator's tiers (`--jit`, `--jit-threshold`, `--jit-stats`). The interpreter
    /// stays the default until `auto` is never slower than it (issue #8: a Linux boot is not yet).
    public var jit = JITConfiguration.interpreter

    public init(board: String) { self.board = board }
}

/// Which firmware runs first (`--bios`).
public enum FirmwareChoice: Sendable, Equatable {
    /// The board's default firmware, as QEMU loads its own OpenSBI by default.
    case boardDefault
    /// No firmware: the kernel or bare-metal program is entered directly.
    case none
    case file(String)
}

/// A disk (`--drive file=PATH[,format=raw][,readonly=on][,snapshot=on][,if=virtio][,transport=mmio|pci]`).
public struct DriveConfiguration: Sendable, Equatable {
    public var path: String
    public var format: DiskFormat = .raw
    public var readOnly = false
    /// Writes go to a temporary overlay; the image itself never changes.
    public var snapshot = false
    public var interface: DriveInterface = .virtio
    /// The virtio-blk GET_ID answer.
    public var serial: String?
    /// virtio-blk request queues.
    public var queues = 1
    /// The transport for this drive alone; nil follows `--virtio-transport`.
    public var transport: VirtioTransportKind?

    public init(path: String) { self.path = path }
}

public enum DiskFormat: String, Sendable, Equatable, CaseIterable { case raw }
public enum DriveInterface: String, Sendable, Equatable, CaseIterable { case virtio }

/// A network backend (`--netdev user[,hostfwd=...]`).
public struct NetdevConfiguration: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable { case user }
    public var kind: Kind = .user
    public var hostForwards: [HostForward] = []
    /// The guest's MAC address; nil gives QEMU's default 52:54:00:12:34:56.
    public var mac: [UInt8]?

    public init() {}
}

/// A host port forwarded into the guest (`hostfwd=tcp:ADDR:HPORT-:GPORT`).
public struct HostForward: Sendable, Equatable {
    public enum Transport: String, Sendable, Equatable, CaseIterable { case tcp, udp }
    public var transport: Transport
    public var hostAddress: String
    public var hostPort: UInt16
    public var guestAddress: String?
    public var guestPort: UInt16

    public init(transport: Transport, hostAddress: String, hostPort: UInt16, guestAddress: String?, guestPort: UInt16) {
        self.transport = transport
        self.hostAddress = hostAddress
        self.hostPort = hostPort
        self.guestAddress = guestAddress
        self.guestPort = guestPort
    }
}

/// A host directory shared over virtio-9p (`--share HOSTDIR,tag=NAME[,readonly=on]`).
public struct ShareConfiguration: Sendable, Equatable {
    public var hostPath: String
    public var tag: String
    public var readOnly = false

    public init(hostPath: String, tag: String) {
        self.hostPath = hostPath
        self.tag = tag
    }
}

/// Where the guest's serial console goes (`--serial stdio|file:PATH`).
public enum SerialConfiguration: Sendable, Equatable {
    case stdio
    case file(String)
}

/// The device behind the guest's console: the board's UART, or a virtio-console port.
public enum ConsoleKind: String, Sendable, Equatable, CaseIterable { case serial, virtio }

/// A virtio input device the board attaches (`--input`): what the guest sees (virtio 1.2 §5.8).
public enum InputDeviceKind: String, Sendable, Equatable, CaseIterable { case keyboard, tablet }

public enum VirtioRingFormat: String, Sendable, Equatable, CaseIterable { case split, packed }
public enum VirtioTransportKind: String, Sendable, Equatable, CaseIterable { case mmio, pci }
