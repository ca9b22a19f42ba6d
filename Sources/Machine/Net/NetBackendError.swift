/// Why a network backend could not be set up.
public enum NetBackendError: Error, Equatable, Sendable, CustomStringConvertible {
    /// libslirp refused to create its network stack.
    case slirpUnavailable
    /// An address in `--netdev` is not an IPv4 dotted quad.
    case badAddress(String)
    /// A host port could not be forwarded (it is probably in use, or needs privileges).
    case hostForwardFailed(HostForward)

    public var description: String {
        switch self {
        case .slirpUnavailable:
            "cannot start the user-mode network (libslirp refused to initialise)"
        case let .badAddress(text):
            "'\(text)' is not an IPv4 address such as 127.0.0.1"
        case let .hostForwardFailed(forward):
            "cannot forward host port \(forward.transport.rawValue) \(forward.hostAddress):\(forward.hostPort) "
                + "to guest port \(forward.guestPort): the port is probably in use or needs privileges"
        }
    }
}
