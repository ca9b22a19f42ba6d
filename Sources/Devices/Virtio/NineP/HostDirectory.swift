#if os(Linux)
import Glibc

/// The host side of a 9P share: every file-system call the server makes, each relative to a
/// directory file descriptor and a single path component, so no guest-supplied path is ever
/// resolved by the host kernel across more than one name.
///
/// Each object the guest holds a fid for is kept as an `O_PATH | O_NOFOLLOW` descriptor
/// (`openat(2)`), found one component at a time from the share root. Symbolic links are
/// never followed: a link is an object of its own (the guest kernel reads it and resolves
/// it in the guest's namespace), a link in the middle of a walk fails with ENOTDIR, and
/// opening one fails with ELOOP. An object is reopened for I/O through its own descriptor
/// (`/proc/self/fd/N`, which names the inode found at walk time rather than a path), so
/// replacing a directory by a symlink between a walk and an open cannot redirect the open.
enum HostDirectory {
    /// `O_PATH`, `AT_EMPTY_PATH`, `F_OFD_*` and the `UTIME_*` markers (Linux values; the
    /// Glibc module leaves them out because glibc declares them only under _GNU_SOURCE).
    static let oPath: Int32 = 0o10000000
    static let atEmptyPath: Int32 = 0x1000
    static let fOFDGetLock: Int32 = 36
    static let fOFDSetLock: Int32 = 37
    static let utimeNow = 1 << 30 - 1
    static let utimeOmit = 1 << 30 - 2

    /// Opens the share root as an `O_PATH` directory descriptor.
    static func openRoot(_ path: String) throws(NinePErrno) -> Int32 {
        let fd = open(path, oPath | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .current }
        return fd
    }

    /// Checks a single path component from the guest: not empty, not `.` or `..`, no `/`
    /// and no NUL, at most 255 bytes.
    static func validate(_ name: [UInt8]) throws(NinePErrno) {
        guard !name.isEmpty, name != [0x2E], name != [0x2E, 0x2E] else { throw .invalid }
        guard name.count <= 255 else { throw .nameTooLong }
        guard !name.contains(0x2F), !name.contains(0) else { throw .invalid }
    }

    /// Calls `body` with `name` as a NUL-terminated C string.
    static func withName<R>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        var bytes = name
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { p in
            p.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }

    /// The `/proc/self/fd/N` name of a descriptor, which reopens the inode it holds.
    static func procPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

    /// Finds `name` in the directory `directory` without following a symlink.
    static func lookup(_ directory: Int32, _ name: [UInt8]) throws(NinePErrno) -> Int32 {
        try validate(name)
        let fd = withName(name) { openat(directory, $0, oPath | O_NOFOLLOW | O_CLOEXEC) }
        guard fd >= 0 else { throw .current }
        return fd
    }

    /// Walks `components` from `root`, each one a directory entered without following a
    /// symlink; returns a new `O_PATH` descriptor (a dup of the root for no components).
    static func resolve(root: Int32, _ components: ArraySlice<[UInt8]>) throws(NinePErrno) -> Int32 {
        var current = dup(root)
        guard current >= 0 else { throw .current }
        for name in components {
            let next: Int32
            do {
                try validate(name)
                next = withName(name) { openat(current, $0, oPath | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC) }
            } catch {
                close(current)
                throw error
            }
            let failure = errno
            close(current)
            guard next >= 0 else { throw NinePErrno(failure) }
            current = next
        }
        return current
    }

    /// `fstat` of a descriptor (O_PATH descriptors allowed).
    static func status(_ fd: Int32) throws(NinePErrno) -> stat {
        var s = stat()
        guard fstat(fd, &s) == 0 else { throw .current }
        return s
    }

    /// Opens the object `node` holds for I/O with `flags` (no O_CREAT): a directory through
    /// `openat(node, ".")`, a regular file through its `/proc/self/fd` name. Symlinks fail
    /// with ELOOP; devices, FIFOs and sockets are refused with EOPNOTSUPP so that no open
    /// can block the device's thread.
    static func reopen(_ node: Int32, flags: Int32) throws(NinePErrno) -> Int32 {
        let s = try status(node)
        let fd: Int32
        switch s.st_mode & S_IFMT {
        case S_IFDIR:
            guard flags & O_ACCMODE == O_RDONLY else { throw NinePErrno(EISDIR) }
            fd = openat(node, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        case S_IFREG:
            fd = open(procPath(node), flags | O_CLOEXEC)
        case S_IFLNK:
            throw .loop
        default:
            throw .notSupported
        }
        guard fd >= 0 else { throw .current }
        return fd
    }

    /// Fails with the current errno unless `result` is 0.
    static func check(_ result: Int32) throws(NinePErrno) {
        guard result == 0 else { throw .current }
    }

    /// Reads the target of the symlink `node` holds (at most `limit` bytes).
    static func readLink(_ node: Int32, limit: Int) throws(NinePErrno) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = buffer.withUnsafeMutableBytes { p in
            readlinkat(node, "", p.baseAddress!.assumingMemoryBound(to: CChar.self), limit)
        }
        guard n >= 0 else { throw .current }
        guard n < limit else { throw .nameTooLong }
        return Array(buffer[0..<n])
    }

    /// Raises this process's open-file limit to its hard limit: every fid holds a descriptor.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
#endif
