#if os(Linux)
import Glibc

/// File I/O: Tlopen, Tlcreate, Tread, Twrite, Tfsync, Tlock and Tgetlock.
extension NinePServer {
    /// 9P2000.L open flags (Linux's generic values) translated to the host's; flags the
    /// server must control (create, no-follow, close-on-exec) or that do not apply are dropped.
    static func hostOpenFlags(_ flags: UInt32) -> Int32 {
        var host = Int32(flags & 3)
        if flags & 0o200 != 0 { host |= O_EXCL }
        if flags & 0o1000 != 0 { host |= O_TRUNC }
        if flags & 0o2000 != 0 { host |= O_APPEND }
        if flags & 0o10000 != 0 { host |= O_DSYNC }
        if flags & 0o4000000 != 0 { host |= O_SYNC }
        return host
    }

    /// Whether host open flags would change the file.
    static func writes(_ flags: Int32) -> Bool {
        flags & O_ACCMODE != O_RDONLY || flags & O_TRUNC != 0
    }

    /// `Tlopen fid[4] flags[4]` -> `Rlopen qid[13] iounit[4]`.
    func lopen(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let fid = try d.u32()
        let flags = Self.hostOpenFlags(try d.u32())
        var f = try fids.get(fid)
        guard !f.isOpen else { throw .badFile }
        if Self.writes(flags) { try checkWritable() }
        let q = try qid(f.node)
        if q.type == NineP.qidDirectory { try fids.checkDirectoryRoom() }
        let fd = try HostDirectory.reopen(f.node, flags: flags)
        if q.type == NineP.qidDirectory {
            guard let stream = fdopendir(fd) else {
                let failure = NinePErrno.current
                close(fd)
                throw failure
            }
            f.directory = stream
        }
        f.openFile = fd
        f.openFlags = flags
        fids.set(fid, f)
        try e.qid(q)
        try e.u32(0)
    }

    /// `Tlcreate fid[4] name[s] flags[4] mode[4] gid[4]` -> `Rlcreate qid[13] iounit[4]`:
    /// creates and opens `name` in the directory `fid`, which then stands for the new file.
    func lcreate(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let fid = try d.u32()
        let name = try d.string()
        let flags = Self.hostOpenFlags(try d.u32())
        let mode = try d.u32()
        _ = try d.u32()
        try checkWritable()
        let dir = try directory(fid)
        guard !dir.isOpen else { throw .badFile }
        try HostDirectory.validate(name)
        let fd = HostDirectory.withName(name) {
            openat(dir.node, $0, flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode_t(mode & 0o7777))
        }
        guard fd >= 0 else { throw .current }
        let node: Int32
        let q: NinePQid
        do {
            node = try HostDirectory.lookup(dir.node, name)
            q = try qid(node)
        } catch {
            close(fd)
            throw error
        }
        fids.set(fid, NinePFid(node: node, path: dir.path + [name], openFile: fd, openFlags: flags))
        try e.qid(q)
        try e.u32(0)
    }

    /// `Tread fid[4] offset[8] count[4]` -> `Rread count[4] data[count]`; the count is cut to
    /// what fits in msize and the driver's buffers.
    func read(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        let offset = try d.u64()
        let count = Int(try d.u32())
        guard f.isOpen, f.directory == nil else { throw .badFile }
        guard offset <= UInt64(Int64.max) else { throw .invalid }
        let countAt = e.count
        try e.u32(0)
        let length = min(count, e.remaining)
        let data = try e.reserve(length)
        let n = length == 0 ? 0 : pread(f.openFile, data.baseAddress, length, off_t(offset))
        guard n >= 0 else { throw .current }
        e.shrink(by: length - n)
        e.patch(UInt32(n), at: countAt)
    }

    /// `Twrite fid[4] offset[8] count[4] data[count]` -> `Rwrite count[4]`.
    func write(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        let offset = try d.u64()
        let count = Int(try d.u32())
        let data = try d.data(count)
        try checkWritable()
        guard f.isOpen, f.directory == nil, f.openFlags & O_ACCMODE != O_RDONLY else { throw .badFile }
        guard offset <= UInt64(Int64.max) else { throw .invalid }
        let n = count == 0 ? 0 : pwrite(f.openFile, data.baseAddress, count, off_t(offset))
        guard n >= 0 else { throw .current }
        try e.u32(UInt32(n))
    }

    /// `Tfsync fid[4] datasync[4]` -> `Rfsync`.
    func fsync(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        let dataOnly = try d.u32() != 0
        guard f.isOpen else { throw .badFile }
        try HostDirectory.check(dataOnly ? fdatasync(f.openFile) : Glibc.fsync(f.openFile))
    }

    /// `Tlock fid[4] type[1] flags[4] start[8] length[8] proc_id[4] client_id[s]` ->
    /// `Rlock status[1]`: a byte-range lock taken on the fid's open file description
    /// (`F_OFD_SETLK`), so it holds against other fids and host processes. The server never
    /// waits: a conflicting lock answers BLOCKED and the guest kernel retries.
    func lock(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        let type = try d.u8()
        _ = try d.u32()
        var l = try Self.hostLock(type: type, start: try d.u64(), length: try d.u64())
        _ = try d.u32()
        _ = try d.string()
        guard f.isOpen else { throw .badFile }
        if fcntl(f.openFile, HostDirectory.fOFDSetLock, &l) == 0 {
            try e.u8(NineP.lockSuccess)
        } else if errno == EAGAIN || errno == EACCES {
            try e.u8(NineP.lockBlocked)
        } else {
            throw .current
        }
    }

    /// `Tgetlock fid[4] type[1] start[8] length[8] proc_id[4] client_id[s]` ->
    /// `Rgetlock type[1] start[8] length[8] proc_id[4] client_id[s]`: the first lock that
    /// would conflict, or type UNLCK.
    func getlock(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        var l = try Self.hostLock(type: try d.u8(), start: try d.u64(), length: try d.u64())
        let procID = try d.u32()
        let clientID = try d.string()
        guard f.isOpen else { throw .badFile }
        try HostDirectory.check(fcntl(f.openFile, HostDirectory.fOFDGetLock, &l))
        let unlocked = l.l_type == Int16(F_UNLCK)
        try e.u8(UInt8(truncatingIfNeeded: l.l_type))
        try e.u64(UInt64(bitPattern: Int64(l.l_start)))
        try e.u64(UInt64(bitPattern: Int64(l.l_len)))
        try e.u32(unlocked ? procID : UInt32(bitPattern: Int32(l.l_pid)))
        try e.string(clientID)
    }

    private static func hostLock(type: UInt8, start: UInt64, length: UInt64) throws(NinePErrno) -> flock {
        guard type <= NineP.lockUnlocked, start <= UInt64(Int64.max), length <= UInt64(Int64.max) else { throw .invalid }
        var l = flock()
        l.l_type = Int16(type)
        l.l_whence = Int16(SEEK_SET)
        l.l_start = off_t(start)
        l.l_len = off_t(length)
        l.l_pid = 0
        return l
    }
}
#endif
