#if os(Linux)
import Glibc

/// Session set-up: Tversion (msize and version negotiation) and Tattach (the root fid).
extension NinePServer {
    /// `Tversion msize[4] version[s]` -> `Rversion msize[4] version[s]`. Starts a new session:
    /// every fid is clunked. msize is the smaller of the two sides' and must leave room for a
    /// useful message; a version other than 9P2000.L is answered with "unknown".
    func version(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let requested = Int(try d.u32())
        let version = try d.string()
        fids.removeAll()
        messageSize = 0
        guard requested >= 512 else { throw .invalid }
        let size = min(requested, maxMessageSize)
        let known = version.starts(with: Array(NineP.version.utf8))
        try e.u32(UInt32(size))
        try e.string(Array((known ? NineP.version : "unknown").utf8))
        if known { messageSize = size }
    }

    /// `Tattach fid[4] afid[4] uname[s] aname[s] n_uname[4]` -> `Rattach qid[13]`: `fid`
    /// becomes the share root. There is no authentication (afid must be NOFID), and the user
    /// names are not used: files are created as the user xemu runs as.
    func attach(_ d: inout NinePMessageDecoder, _ e: inout NinePMessageEncoder) throws(NinePErrno) {
        let fid = try d.u32()
        let afid = try d.u32()
        _ = try d.string()
        _ = try d.string()
        _ = try d.u32()
        guard afid == NineP.noFid else { throw .invalid }
        try fids.checkFree(fid)
        let node = dup(root)
        guard node >= 0 else { throw .current }
        let q: NinePQid
        do { q = try qid(node) } catch {
            close(node)
            throw error
        }
        fids.set(fid, NinePFid(node: node, path: []))
        try e.qid(q)
    }
}
#endif
