#if os(Linux)
import Glibc

/// Twalk: moving through the tree one name at a time, never leaving the share.
extension NinePServer {
    /// `Twalk fid[4] newfid[4] nwname[2] nwname*(wname[s])` -> `Rwalk nwqid[2] nwqid*(qid[13])`.
    ///
    /// Each name is looked up in the directory reached so far with `O_NOFOLLOW`: a symlink is
    /// returned as itself and cannot be walked through (ENOTDIR). `..` goes to the parent by
    /// walking the path again from the root, and stays at the root there, so no walk leaves
    /// the share; `.` stays. If the first name fails the error is returned; if a later one does,
    /// the qids found so far are, and `newfid` is not created (9P walk semantics).
    func walk(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let fid = try d.u32()
        let newfid = try d.u32()
        let count = Int(try d.u16())
        guard count <= NineP.maxWalkNames else { throw .invalid }
        var names: [[UInt8]] = []
        for _ in 0..<count { names.append(try d.string()) }
        let start = try fids.get(fid)
        if newfid != fid { try fids.checkFree(newfid) }

        var node = dup(start.node)
        guard node >= 0 else { throw .current }
        var path = start.path
        var qids: [NinePQid] = []
        var failure: NinePErrno?
        for name in names {
            do {
                let next = try step(from: node, path: &path, name: name)
                close(node)
                node = next
                qids.append(try qid(node))
            } catch {
                failure = error
                break
            }
        }
        if let failure {
            close(node)
            if qids.isEmpty { throw failure }
        } else {
            fids.set(newfid, NinePFid(node: node, path: path))
        }
        try e.u16(UInt16(qids.count))
        for q in qids { try e.qid(q) }
    }

    /// One walk step from the directory `node` at `path`; returns the new object's descriptor.
    private func step(from node: Int32, path: inout [[UInt8]], name: [UInt8]) throws(NinePErrno) -> Int32 {
        guard try HostDirectory.status(node).st_mode & S_IFMT == S_IFDIR else { throw .notDirectory }
        if name == [0x2E] {
            let same = dup(node)
            guard same >= 0 else { throw .current }
            return same
        }
        if name == [0x2E, 0x2E] {
            let parent = Array(path.dropLast())
            let fd = try HostDirectory.resolve(root: root, parent[...])
            path = parent
            return fd
        }
        let fd = try HostDirectory.lookup(node, name)
        path.append(name)
        return fd
    }
}
#endif
