/// A machine xemu can emulate: a memory map, its devices, and how it boots.
///
/// Each board is one plain type (no object model): it builds RAM, the bus, the interrupt
/// controller, the CPUs and the devices from a `MachineConfiguration`, then runs until the
/// guest powers off, resets, or the user or a timeout stops it.
public protocol Board: AnyObject {
    static var descriptor: BoardDescriptor { get }
    init(configuration: MachineConfiguration) throws
    /// Runs the guest to its end on the calling thread (vCPU threads are the board's own).
    func run() throws -> MachineExit
}

/// What `--list-boards` shows, and what the command line checks a board name against.
public struct BoardDescriptor: Sendable, Equatable {
    public let name: String
    public let architecture: String
    public let summary: String
    /// The board's guest-physical memory map, for `--list-boards` and the docs.
    public let memoryMap: [MemoryMapEntry]
    public let status: BoardStatus

    public init(name: String, architecture: String, summary: String, memoryMap: [MemoryMapEntry], status: BoardStatus) {
        self.name = name
        self.architecture = architecture
        self.summary = summary
        self.memoryMap = memoryMap
        self.status = status
    }
}

public struct MemoryMapEntry: Sendable, Equatable {
    public let name: String
    public let base: UInt64
    public let size: UInt64

    public init(_ name: String, base: UInt64, size: UInt64) {
        self.name = name
        self.base = base
        self.size = size
    }
}

/// How far a board is built, said plainly to users who try it.
public enum BoardStatus: Sendable, Equatable {
    /// Boots what its summary promises.
    case available
    /// Runs some guests; the text says which.
    case partial(String)
    /// Listed for its memory map, but cannot run a guest yet.
    case planned
}

/// How a guest run ended.
public enum MachineExit: Sendable, Equatable {
    /// The guest powered off; `status` is what it asked the host to exit with.
    case poweredOff(status: Int32)
    case reset
    /// `--timeout` elapsed.
    case timedOut
    /// The user pressed Ctrl-A x.
    case userQuit
}
