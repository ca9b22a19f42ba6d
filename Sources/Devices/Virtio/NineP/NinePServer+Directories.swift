#if os(Linux)
import Glibc

/// Directory operations: Treaddir and the calls that add, remove or move names (Tmkdir,
/// Tmknod, Tsymlink, Tlink, Tunlinkat, Trenameat, Trename, Tremove). Every name is one
/// component checked by `HostDirectory.validate` and used relative to a directory fid's
/// descriptor, so nothing is created, removed or moved outside the share.
extension NinePServer {
    /// `Treaddir fid[4] offset[8] count[4]` -> `Rreaddir count[4] data[count]`, each entry
    /// `qid[13] offset[8] type[1] name[s]`. Offsets are the host's `telldir` cookies; 0 starts
    /// over. As many whole entries as fit in `count`, msize and the driver's buffers.
    func readdir(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let f = try fids.get(try d.u32())
        let offset = try d.u64()
        let count = Int(try d.u32())
        guard let stream = f.directory else { throw .badFile }
        if offset == 0 { rewinddir(stream) } else { seekdir(stream, Int(truncatingIfNeeded: offset)) }
        let countAt = e.count
        try e.u32(0)
        let budget = min(count, e.remaining)
        var used = 0
        while true {
            let before = telldir(stream)
            errno = 0
            guard let entry = Glibc.readdir(stream) else {
                if errno != 0, used == 0 { throw .current }
                break
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            let size = NinePQid.size + 8 + 1 + 2 + name.count
            guard used + size <= budget else {
                seekdir(stream, before)
                break
            }
            let type: UInt8 = switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR): NineP.qidDirectory
            case Int32(DT_LNK): NineP.qidSymlink
            default: NineP.qidFile
            }
            try e.qid(NinePQid(type: type, path: UInt64(entry.pointee.d_ino)))
            try e.u64(UInt64(bitPattern: Int64(telldir(stream))))
            try e.u8(entry.pointee.d_type)
            try e.string(name)
            used += size
        }
        e.patch(UInt32(used), at: countAt)
    }

    /// `Tmkdir dfid[4] name[s] mode[4] gid[4]` -> `Rmkdir qid[13]`.
    func mkdir(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let dfid = try d.u32()
        let name = try d.string()
        let mode = try d.u32()
        _ = try d.u32()
        try checkWritable()
        let dir = try directory(dfid)
        try HostDirectory.validate(name)
        try HostDirectory.check(HostDirectory.withName(name) { mkdirat(dir.node, $0, mode_t(mode & 0o7777)) })
        try e.qid(try created(in: dir.node, name))
    }

    /// `Tmknod dfid[4] name[s] mode[4] major[4] minor[4] gid[4]`: device nodes, FIFOs and
    /// sockets are not created in a share (EPERM; EROFS on a read-only share).
    func mknod(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        _ = try d.u32()
        _ = try d.string()
        for _ in 0..<4 { _ = try d.u32() }
        try checkWritable()
        throw .permission
    }

    /// `Tsymlink fid[4] name[s] symtgt[s] gid[4]` -> `Rsymlink qid[13]`. The target is stored
    /// as given: the server never follows links, the guest resolves them in its own namespace.
    func symlink(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let dfid = try d.u32()
        let name = try d.string()
        let target = try d.string()
        _ = try d.u32()
        try checkWritable()
        let dir = try directory(dfid)
        try HostDirectory.validate(name)
        guard !target.isEmpty, !target.contains(0) else { throw .invalid }
        let result = HostDirectory.withName(target) { t in HostDirectory.withName(name) { symlinkat(t, dir.node, $0) } }
        try HostDirectory.check(result)
        try e.qid(try created(in: dir.node, name))
    }

    /// `Tlink dfid[4] fid[4] name[s]` -> `Rlink`: a hard link to `fid`'s object, made through
    /// its descriptor so no path is resolved again.
    func link(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        let dfid = try d.u32()
        let fid = try d.u32()
        let name = try d.string()
        try checkWritable()
        let dir = try directory(dfid)
        let f = try fids.get(fid)
        try HostDirectory.validate(name)
        let result = HostDirectory.withName(name) {
            linkat(AT_FDCWD, HostDirectory.procPath(f.node), dir.node, $0, AT_SYMLINK_FOLLOW)
        }
        try HostDirectory.check(result)
    }

    /// `Tunlinkat dirfd[4] name[s] flags[4]` -> `Runlinkat`; flags AT_REMOVEDIR (0x200)
    /// removes a directory.
    func unlinkat(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        let dfid = try d.u32()
        let name = try d.string()
        let flags = try d.u32()
        try checkWritable()
        let dir = try directory(dfid)
        try HostDirectory.validate(name)
        let hostFlags = flags & 0x200 != 0 ? AT_REMOVEDIR : 0
        try HostDirectory.check(HostDirectory.withName(name) { Glibc.unlinkat(dir.node, $0, hostFlags) })
    }

    /// `Trenameat olddirfid[4] oldname[s] newdirfid[4] newname[s]` -> `Rrenameat`.
    func renameat(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        let oldDirFid = try d.u32()
        let oldName = try d.string()
        let newDirFid = try d.u32()
        let newName = try d.string()
        try checkWritable()
        let oldDir = try directory(oldDirFid)
        let newDir = try directory(newDirFid)
        try HostDirectory.validate(oldName)
        try HostDirectory.validate(newName)
        let result = HostDirectory.withName(oldName) { o in
            HostDirectory.withName(newName) { Glibc.renameat(oldDir.node, o, newDir.node, $0) }
        }
        try HostDirectory.check(result)
        fids.renamePaths(from: oldDir.path + [oldName], to: newDir.path + [newName])
    }

    /// `Trename fid[4] dfid[4] name[s]` -> `Rrename`: moves `fid`'s object into `dfid`.
    func rename(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        let fid = try d.u32()
        let dfid = try d.u32()
        let name = try d.string()
        try checkWritable()
        let f = try fids.get(fid)
        let dir = try directory(dfid)
        try HostDirectory.validate(name)
        let (parent, oldName) = try parent(of: f)
        defer { close(parent) }
        let result = HostDirectory.withName(oldName) { o in
            HostDirectory.withName(name) { Glibc.renameat(parent, o, dir.node, $0) }
        }
        try HostDirectory.check(result)
        fids.renamePaths(from: f.path, to: dir.path + [name])
    }

    /// `Tremove fid[4]` -> `Rremove`: removes the object and clunks the fid, also on failure.
    func remove(_ d: inout NinePMessageDecoder) throws(NinePErrno) {
        let fid = try d.u32()
        let f = try fids.get(fid)
        defer { try? fids.clunk(fid) }
        try checkWritable()
        let isDirectory = try HostDirectory.status(f.node).st_mode & S_IFMT == S_IFDIR
        let (parent, name) = try parent(of: f)
        defer { close(parent) }
        let result = HostDirectory.withName(name) { Glibc.unlinkat(parent, $0, isDirectory ? AT_REMOVEDIR : 0) }
        try HostDirectory.check(result)
    }

    /// The qid of `name`, just created in `directory`.
    private func created(in directory: Int32, _ name: [UInt8]) throws(NinePErrno) -> NinePQid {
        let node = try HostDirectory.lookup(directory, name)
        defer { close(node) }
        return try qid(node)
    }
}
#endif
