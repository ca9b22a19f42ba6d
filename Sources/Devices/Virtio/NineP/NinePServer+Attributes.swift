#if os(Linux)
import Glibc

/// Attributes: Tgetattr, Tsetattr, Tstatfs and Treadlink (extended attributes are not offered:
/// Txattrwalk and Txattrcreate answer EOPNOTSUPP in the dispatcher).
extension NinePServer {
    /// `Tgetattr fid[4] request_mask[8]` -> `Rgetattr valid[8] qid[13] mode[4] uid[4] gid[4]
    /// nlink[8] rdev[8] size[8] blksize[8] blocks[8] atime[16] mtime[16] ctime[16] btime[16]
    /// gen[8] data_version[8]`, always with the basic fields valid.
    func getattr(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        _ = try d.u64()
        let s = try HostDirectory.status(f.node)
        try e.u64(NineP.getattrBasic)
        try e.qid(Self.qid(s))
        try e.u32(UInt32(s.st_mode))
        try e.u32(UInt32(s.st_uid))
        try e.u32(UInt32(s.st_gid))
        try e.u64(UInt64(s.st_nlink))
        try e.u64(UInt64(s.st_rdev))
        try e.u64(UInt64(bitPattern: Int64(s.st_size)))
        try e.u64(UInt64(bitPattern: Int64(s.st_blksize)))
        try e.u64(UInt64(bitPattern: Int64(s.st_blocks)))
        for t in [s.st_atim, s.st_mtim, s.st_ctim] {
            try e.u64(UInt64(bitPattern: Int64(t.tv_sec)))
            try e.u64(UInt64(bitPattern: Int64(t.tv_nsec)))
        }
        for _ in 0..<4 { try e.u64(0) }
    }

    /// `Tsetattr fid[4] valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8] atime_nsec[8]
    /// mtime_sec[8] mtime_nsec[8]` -> `Rsetattr`. Applied to the fid's own inode (through its
    /// descriptor), never to a path looked up again; a symlink's mode cannot be changed.
    func setattr(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        let valid = try d.u32()
        let mode = try d.u32()
        let uid = try d.u32()
        let gid = try d.u32()
        let size = try d.u64()
        let atime = timespec(tv_sec: Int(truncatingIfNeeded: try d.u64()), tv_nsec: Int(truncatingIfNeeded: try d.u64()))
        let mtime = timespec(tv_sec: Int(truncatingIfNeeded: try d.u64()), tv_nsec: Int(truncatingIfNeeded: try d.u64()))
        try checkWritable()
        let isLink = try HostDirectory.status(f.node).st_mode & S_IFMT == S_IFLNK
        let path = HostDirectory.procPath(f.node)
        if valid & NineP.setattrMode != 0 {
            guard !isLink else { throw .notSupported }
            try HostDirectory.check(chmod(path, mode_t(mode & 0o7777)))
        }
        if valid & (NineP.setattrUID | NineP.setattrGID) != 0 {
            let u = valid & NineP.setattrUID != 0 ? uid : UInt32.max
            let g = valid & NineP.setattrGID != 0 ? gid : UInt32.max
            try HostDirectory.check(fchownat(f.node, "", u, g, HostDirectory.atEmptyPath | AT_SYMLINK_NOFOLLOW))
        }
        if valid & NineP.setattrSize != 0 {
            guard !isLink, size <= UInt64(Int64.max) else { throw .invalid }
            try HostDirectory.check(truncate(path, off_t(size)))
        }
        if valid & (NineP.setattrATime | NineP.setattrMTime) != 0 {
            var times = (Self.time(atime, change: valid & NineP.setattrATime != 0, explicit: valid & NineP.setattrATimeSet != 0),
                         Self.time(mtime, change: valid & NineP.setattrMTime != 0, explicit: valid & NineP.setattrMTimeSet != 0))
            let result = withUnsafePointer(to: &times) { p in
                p.withMemoryRebound(to: timespec.self, capacity: 2) { t -> Int32 in
                    if !isLink { return utimensat(AT_FDCWD, path, t, 0) }
                    guard let (parent, name) = try? parent(of: f) else { errno = EBUSY; return -1 }
                    defer { close(parent) }
                    return HostDirectory.withName(name) { utimensat(parent, $0, t, AT_SYMLINK_NOFOLLOW) }
                }
            }
            try HostDirectory.check(result)
        }
    }

    private static func time(_ t: timespec, change: Bool, explicit: Bool) -> timespec {
        guard change else { return timespec(tv_sec: 0, tv_nsec: HostDirectory.utimeOmit) }
        guard explicit else { return timespec(tv_sec: 0, tv_nsec: HostDirectory.utimeNow) }
        return t
    }

    /// `Tstatfs fid[4]` -> `Rstatfs type[4] bsize[4] blocks[8] bfree[8] bavail[8] files[8]
    /// ffree[8] fsid[8] namelen[4]` for the file system holding the fid (type V9FS_MAGIC).
    func statfs(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        var s = statvfs()
        try HostDirectory.check(fstatvfs(f.node, &s))
        try e.u32(0x0102_1997)
        try e.u32(UInt32(truncatingIfNeeded: s.f_bsize))
        try e.u64(UInt64(s.f_blocks))
        try e.u64(UInt64(s.f_bfree))
        try e.u64(UInt64(s.f_bavail))
        try e.u64(UInt64(s.f_files))
        try e.u64(UInt64(s.f_ffree))
        try e.u64(UInt64(s.f_fsid))
        try e.u32(UInt32(truncatingIfNeeded: s.f_namemax))
    }

    /// `Treadlink fid[4]` -> `Rreadlink target[s]`: the link's text, never followed here.
    func readlink(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        let limit = min(Int(PATH_MAX), e.remaining - 2)
        guard limit > 0 else { throw .messageSize }
        try e.string(try HostDirectory.readLink(f.node, limit: limit + 1))
    }
}
#endif
