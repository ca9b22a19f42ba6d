#if os(Linux)
import Glibc

/// What the server keeps for one fid: the object (an `O_PATH` descriptor found by a walk from
/// the root), its path from the root (for `..`, rename and remove, which need the parent), and
/// the I/O descriptor once the fid is opened (Tlopen or Tlcreate).
struct NinePFid {
    /// `O_PATH | O_NOFOLLOW` descriptor of the object.
    var node: Int32
    /// Components from the share root; empty for the root itself.
    var path: [[UInt8]]
    /// The open descriptor, -1 until opened.
    var openFile: Int32 = -1
    /// The directory stream of an opened directory (owns `openFile`), nil otherwise.
    var directory: OpaquePointer?
    /// The flags the fid was opened with.
    var openFlags: Int32 = 0

    var isOpen: Bool { openFile >= 0 }

    /// Closes every descriptor the fid holds.
    func close() {
        if let directory {
            closedir(directory)
        } else if openFile >= 0 {
            Glibc.close(openFile)
        }
        Glibc.close(node)
    }
}

/// The fids of one 9P session, bounded: a guest that never clunks runs out of fids (EMFILE)
/// rather than host memory or descriptors. Open directories are bounded separately, since each
/// holds a directory stream with a buffer of tens of kilobytes.
struct NinePFidTable {
    /// Most fids a session may hold at once.
    let limit: Int
    /// Most fids that may be open directories at once.
    let directoryLimit: Int
    private var fids: [UInt32: NinePFid] = [:]
    /// Fids holding a directory stream.
    private(set) var openDirectories = 0

    init(limit: Int, directoryLimit: Int) {
        self.limit = limit
        self.directoryLimit = directoryLimit
    }

    /// EMFILE when no further directory may be opened.
    func checkDirectoryRoom() throws(NinePErrno) {
        guard openDirectories < directoryLimit else { throw .tooManyFids }
    }

    var count: Int { fids.count }

    subscript(fid: UInt32) -> NinePFid? { fids[fid] }

    /// The fid, or EBADF.
    func get(_ fid: UInt32) throws(NinePErrno) -> NinePFid {
        guard let f = fids[fid] else { throw .badFile }
        return f
    }

    /// Checks that `fid` can be added (not in use, not NOFID, below the limit).
    func checkFree(_ fid: UInt32) throws(NinePErrno) {
        guard fid != NineP.noFid, fids[fid] == nil else { throw .badFile }
        guard fids.count < limit else { throw .tooManyFids }
    }

    /// Adds or replaces `fid` (closing what it replaces).
    mutating func set(_ fid: UInt32, _ value: NinePFid) {
        if value.directory != nil { openDirectories += 1 }
        guard let old = fids.updateValue(value, forKey: fid) else { return }
        if old.directory != nil { openDirectories -= 1 }
        if old.node != value.node { old.close() }
    }

    /// Removes and closes `fid`; EBADF if unknown.
    mutating func clunk(_ fid: UInt32) throws(NinePErrno) {
        guard let f = fids.removeValue(forKey: fid) else { throw .badFile }
        if f.directory != nil { openDirectories -= 1 }
        f.close()
    }

    /// Rewrites the path of every fid at or below `old` to lie below `new` (after a rename).
    mutating func renamePaths(from old: [[UInt8]], to new: [[UInt8]]) {
        for (key, f) in fids where f.path.count >= old.count && Array(f.path[0..<old.count]) == old {
            fids[key]!.path = new + f.path[old.count...]
        }
    }

    /// Closes every fid (Tversion, reset).
    mutating func removeAll() {
        for f in fids.values { f.close() }
        fids.removeAll()
        openDirectories = 0
    }
}
#endif
