#if canImport(Glibc)
import Glibc
#endif

struct SocketError: Error, CustomStringConvertible {
    let description: String
}

/// Host-side TCP sockets on 127.0.0.1 for the slirp tests (the only address they may use).
final class LoopbackSocket {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// A listener on 127.0.0.1 with a port the kernel picks.
    static func listen() throws(SocketError) -> LoopbackSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        var address = Self.address(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else { close(fd); throw SocketError(description: "listen: errno \(errno)") }
        return LoopbackSocket(fd: fd)
    }

    /// A port that was free a moment ago (for a host forward slirp will listen on).
    static func freePort() throws(SocketError) -> UInt16 { try listen().port }

    var port: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Starts a non-blocking connection to 127.0.0.1:`port`.
    static func connect(port: UInt16) throws(SocketError) -> LoopbackSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var address = Self.address(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else { close(fd); throw SocketError(description: "connect: errno \(errno)") }
        return LoopbackSocket(fd: fd)
    }

    func wait(for events: Int16, timeout: Double) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        return poll(&entry, 1, Int32(timeout * 1000)) == 1
    }

    /// Accepts one connection, waiting up to `timeout` seconds.
    func accept(timeout: Double = 5) throws(SocketError) -> LoopbackSocket {
        guard wait(for: Int16(POLLIN), timeout: timeout) else { throw SocketError(description: "no connection to accept") }
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else { throw SocketError(description: "accept: errno \(errno)") }
        return LoopbackSocket(fd: client)
    }

    /// Waits until a connection being made is established.
    func waitConnected(timeout: Double = 5) -> Bool { wait(for: Int16(POLLOUT), timeout: timeout) }

    /// Reads until `count` bytes arrived or `timeout` seconds passed.
    func read(count: Int, timeout: Double = 5) -> [UInt8] {
        var result: [UInt8] = []
        while result.count < count, wait(for: Int16(POLLIN), timeout: timeout) {
            var buffer = [UInt8](repeating: 0, count: count - result.count)
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n <= 0 { if n < 0, errno == EAGAIN { continue }; break }
            result += buffer[..<n]
        }
        return result
    }

    func write(_ bytes: [UInt8]) -> Bool {
        guard wait(for: Int16(POLLOUT), timeout: 5) else { return false }
        return bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count
    }
}

/// A UDP socket bound to 127.0.0.1 for the slirp tests.
final class LoopbackDatagramSocket {
    let fd: Int32

    init() throws(SocketError) {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket: errno \(errno)") }
        var address = LoopbackSocket.address(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(fd); throw SocketError(description: "bind: errno \(errno)") }
    }

    deinit { close(fd) }

    var port: UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// One datagram and who sent it, waiting up to `timeout` seconds.
    func receive(timeout: Double = 5) -> (bytes: [UInt8], from: sockaddr_in)? {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 2048)
        var sender = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let n = withUnsafeMutablePointer(to: &sender) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
        }
        return n >= 0 ? (Array(buffer[..<n]), sender) : nil
    }

    func send(_ bytes: [UInt8], to address: sockaddr_in) -> Bool {
        var address = address
        let n = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return n == bytes.count
    }
}
