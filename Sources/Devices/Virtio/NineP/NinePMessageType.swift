#if os(Linux)
/// 9P2000.L message types (the `type[1]` byte after `size[4]`): each T-message is answered by
/// the R-message numbered one above it, or by Rlerror. Numbers from the 9P2000.L protocol
/// description (Linux `include/net/9p/9p.h`, diod's protocol.md).
public enum NinePMessageType: UInt8, Sendable {
    case rlerror = 7
    case tstatfs = 8
    case tlopen = 12
    case tlcreate = 14
    case tsymlink = 16
    case tmknod = 18
    case trename = 20
    case treadlink = 22
    case tgetattr = 24
    case tsetattr = 26
    case txattrwalk = 30
    case txattrcreate = 32
    case treaddir = 40
    case tfsync = 50
    case tlock = 52
    case tgetlock = 54
    case tlink = 70
    case tmkdir = 72
    case trenameat = 74
    case tunlinkat = 76
    case tversion = 100
    case tauth = 102
    case tattach = 104
    case tflush = 108
    case twalk = 110
    case tread = 116
    case twrite = 118
    case tclunk = 120
    case tremove = 122

    /// The type of the successful reply.
    public var reply: UInt8 { rawValue &+ 1 }
}

/// Constants of the 9P2000.L wire format.
public enum NineP {
    /// `size[4] type[1] tag[2]`.
    public static let headerSize = 7
    /// The tag of Tversion.
    public static let noTag: UInt16 = 0xFFFF
    /// "No fid" (Tattach's afid when there is no authentication).
    public static let noFid: UInt32 = 0xFFFF_FFFF
    /// Most names one Twalk may carry.
    public static let maxWalkNames = 16
    /// The protocol version this server speaks.
    public static let version = "9P2000.L"

    /// Qid types.
    public static let qidDirectory: UInt8 = 0x80
    public static let qidSymlink: UInt8 = 0x02
    public static let qidFile: UInt8 = 0x00

    /// Tgetattr: the basic fields (mode through blocks and the three times).
    public static let getattrBasic: UInt64 = 0x7FF

    /// Tsetattr `valid` bits.
    public static let setattrMode: UInt32 = 0x1
    public static let setattrUID: UInt32 = 0x2
    public static let setattrGID: UInt32 = 0x4
    public static let setattrSize: UInt32 = 0x8
    public static let setattrATime: UInt32 = 0x10
    public static let setattrMTime: UInt32 = 0x20
    public static let setattrATimeSet: UInt32 = 0x80
    public static let setattrMTimeSet: UInt32 = 0x100

    /// Tlock statuses.
    public static let lockSuccess: UInt8 = 0
    public static let lockBlocked: UInt8 = 1
    /// Lock types (the same values as Linux F_RDLCK, F_WRLCK, F_UNLCK).
    public static let lockUnlocked: UInt8 = 2
}

/// A 9P qid: the server's identity of a file (type, version, path = host inode number).
public struct NinePQid: Equatable, Sendable {
    public var type: UInt8
    public var version: UInt32
    public var path: UInt64

    public init(type: UInt8, version: UInt32 = 0, path: UInt64) {
        self.type = type
        self.version = version
        self.path = path
    }

    /// Wire size.
    public static let size = 13
}
#endif
