#if os(Linux)
import Glibc

/// A 9P2000.L file server for one shared host directory: it answers T-messages with
/// R-messages, one at a time, on the thread of the device that owns it.
///
/// The server holds the session: the negotiated msize, the fid table and the share root (an
/// `O_PATH` descriptor). Every request is decoded with bounds checks and every failure,
/// whether a malformed message, a bad fid or a host error, is answered with Rlerror and the
/// Linux errno; the server itself never traps on guest input. Requests finish before the next
/// one starts, so Tflush has nothing to cancel and no per-tag state is kept. Operations live in
/// the `NinePServer+*.swift` files, one group each; host calls go through `HostDirectory`,
/// which keeps every path inside the share.
public final class NinePServer {
    /// The largest msize offered in Rversion.
    public let maxMessageSize: Int
    /// Whether every change is refused with EROFS.
    public let readOnly: Bool
    /// The negotiated message size (0 before Tversion).
    public internal(set) var messageSize = 0
    /// `O_PATH` descriptor of the share root.
    let root: Int32
    var fids: NinePFidTable

    /// Serves the directory at `path`. Throws the host errno if it cannot be opened. At most
    /// `maxFids` fids, of which at most `maxOpenDirectories` opened directories.
    public init(path: String, readOnly: Bool, maxMessageSize: Int = 512 * 1024, maxFids: Int = 8192,
                maxOpenDirectories: Int = 1024) throws(NinePErrno) {
        precondition(maxMessageSize >= 4096, "msize below 4 KiB cannot carry a directory entry and a header")
        self.root = try HostDirectory.openRoot(path)
        self.readOnly = readOnly
        self.maxMessageSize = maxMessageSize
        self.fids = NinePFidTable(limit: maxFids, directoryLimit: maxOpenDirectories)
    }

    deinit {
        fids.removeAll()
        close(root)
    }

    /// Fids held by the session.
    public var fidCount: Int { fids.count }

    /// Closes every fid and forgets the negotiated size (device reset).
    public func reset() {
        fids.removeAll()
        messageSize = 0
    }

    /// Answers the T-message in `request` with an R-message in `response`; returns the reply's
    /// length, or 0 when not even an Rlerror fits in `response`.
    public func handle(request: UnsafeRawBufferPointer, response: UnsafeMutableRawBufferPointer) -> Int {
        guard response.count >= NineP.headerSize + 4 else { return 0 }
        guard request.count >= NineP.headerSize else { return error(.invalid, tag: NineP.noTag, response) }
        let size = Int(request.loadUnaligned(fromByteOffset: 0, as: UInt32.self).littleEndian)
        let rawType = request[4]
        let tag = request.loadUnaligned(fromByteOffset: 5, as: UInt16.self).littleEndian
        // The declared size bounds the message; the driver's buffers may be longer.
        guard size >= NineP.headerSize, size <= request.count else { return error(.invalid, tag: tag, response) }
        let message = UnsafeRawBufferPointer(rebasing: request[0..<size])
        let limit = messageSize == 0 ? maxMessageSize : messageSize
        guard size <= limit else { return error(.messageSize, tag: tag, response) }
        let out = UnsafeMutableRawBufferPointer(rebasing: response[0..<min(response.count, limit)])
        guard let type = NinePMessageType(rawValue: rawType) else { return error(.notSupported, tag: tag, out) }
        guard messageSize != 0 || type == .tversion else { return error(.protocolError, tag: tag, out) }
        var decoder = NinePMessageDecoder(message)
        var encoder = NinePMessageEncoder(out)
        do {
            try dispatch(type, &decoder, &encoder)
        } catch {
            return self.error(error, tag: tag, out)
        }
        return encoder.finish(type: type.reply, tag: tag)
    }

    private func dispatch(_ type: NinePMessageType, _ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        switch type {
        case .tversion: try version(&d, &e)
        case .tauth: throw .notSupported
        case .tattach: try attach(&d, &e)
        case .tflush: _ = try d.u16()
        case .twalk: try walk(&d, &e)
        case .tclunk: try fids.clunk(try d.u32())
        case .tremove: try remove(&d)
        case .tlopen: try lopen(&d, &e)
        case .tlcreate: try lcreate(&d, &e)
        case .tread: try read(&d, &e)
        case .twrite: try write(&d, &e)
        case .tfsync: try fsync(&d)
        case .tlock: try lock(&d, &e)
        case .tgetlock: try getlock(&d, &e)
        case .treaddir: try readdir(&d, &e)
        case .tmkdir: try mkdir(&d, &e)
        case .tmknod: try mknod(&d)
        case .tsymlink: try symlink(&d, &e)
        case .tlink: try link(&d)
        case .tunlinkat: try unlinkat(&d)
        case .trenameat: try renameat(&d)
        case .trename: try rename(&d)
        case .treadlink: try readlink(&d, &e)
        case .tgetattr: try getattr(&d, &e)
        case .tsetattr: try setattr(&d)
        case .tstatfs: try statfs(&d, &e)
        case .txattrwalk, .txattrcreate: throw .notSupported
        case .rlerror: throw .notSupported
        }
    }

    private func error(_ errno: NinePErrno, tag: UInt16, _ out: UnsafeMutableRawBufferPointer) -> Int {
        guard out.count >= NineP.headerSize + 4 else { return 0 }
        var e = NinePMessageEncoder(out)
        try? e.u32(errno.code)
        return e.finish(type: NinePMessageType.rlerror.rawValue, tag: tag)
    }

    /// EROFS on a read-only share.
    func checkWritable() throws(NinePErrno) {
        if readOnly { throw .readOnly }
    }

    /// The qid of the object `node` holds.
    func qid(_ node: Int32) throws(NinePErrno) -> NinePQid {
        Self.qid(try HostDirectory.status(node))
    }

    static func qid(_ s: stat) -> NinePQid {
        let type: UInt8 = switch s.st_mode & S_IFMT {
        case S_IFDIR: NineP.qidDirectory
        case S_IFLNK: NineP.qidSymlink
        default: NineP.qidFile
        }
        return NinePQid(type: type, path: UInt64(s.st_ino))
    }

    /// An `O_PATH` descriptor of the directory holding `fid`'s object, with the object's name.
    /// EBUSY for the root, which has no parent inside the share.
    func parent(of fid: NinePFid) throws(NinePErrno) -> (directory: Int32, name: [UInt8]) {
        guard let name = fid.path.last else { throw .busy }
        return (try HostDirectory.resolve(root: root, fid.path.dropLast()), name)
    }

    /// A directory fid's descriptor, ENOTDIR when it is not a directory.
    func directory(_ fid: UInt32) throws(NinePErrno) -> NinePFid {
        let f = try fids.get(fid)
        guard try HostDirectory.status(f.node).st_mode & S_IFMT == S_IFDIR else { throw .notDirectory }
        return f
    }
}
#endif
