#if os(Linux)
import Glibc

/// A 9P2000.L error: a Linux errno value, sent to the guest as `Rlerror ecode[4]`.
///
/// 9P2000.L carries Linux errno numbers on the wire; on a Linux host the host's errno values
/// are the same numbers, so host failures pass through unchanged.
public struct NinePErrno: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Linux errno value.
    public let code: UInt32

    public init(_ code: Int32) { self.code = UInt32(bitPattern: code) }

    /// The calling thread's current `errno` (after a failed host call).
    static var current: NinePErrno { NinePErrno(errno) }

    public var description: String { "errno \(code)" }

    /// Operation not permitted.
    static let permission = NinePErrno(EPERM)
    /// No such file or directory.
    static let noEntry = NinePErrno(ENOENT)
    /// A fid or open file the request needs is missing or in the wrong state.
    static let badFile = NinePErrno(EBADF)
    /// The name already exists.
    static let exists = NinePErrno(EEXIST)
    /// A directory was required.
    static let notDirectory = NinePErrno(ENOTDIR)
    /// A malformed request or argument.
    static let invalid = NinePErrno(EINVAL)
    /// Too many fids for this session.
    static let tooManyFids = NinePErrno(EMFILE)
    /// The share is read-only.
    static let readOnly = NinePErrno(EROFS)
    /// The reply would not fit the negotiated message size or the driver's buffers.
    static let messageSize = NinePErrno(EMSGSIZE)
    /// A symbolic link where none may be followed.
    static let loop = NinePErrno(ELOOP)
    /// The request is not part of the protocol before Tversion, or is unknown.
    static let protocolError = NinePErrno(EPROTO)
    /// The operation is not offered by this server.
    static let notSupported = NinePErrno(EOPNOTSUPP)
    /// The share root cannot be removed or renamed.
    static let busy = NinePErrno(EBUSY)
    /// A name longer than the host allows.
    static let nameTooLong = NinePErrno(ENAMETOOLONG)
}
#endif
