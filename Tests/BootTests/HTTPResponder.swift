import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A one-file HTTP/1.0 server on the host's 127.0.0.1 for boot tests: user-mode networking
/// makes it 10.0.2.2:`port` for the guest, so a guest's `wget` proves DHCP, TCP and the
/// virtio-net queues carry real traffic end to end.
///
/// It answers `GET /path` with `body` and anything else with 404, one connection at a time,
/// on its own thread; every wait is bounded (poll with a timeout), and `stop()` ends the
/// thread within a tenth of a second.
final class HTTPResponder: Sendable {
    /// Why the responder could not start.
    struct StartFailure: Error, CustomStringConvertible {
        let description: String
    }

    let port: UInt16
    let path: String
    private let body: [UInt8]
    private let listener: Int32
    private let stopping = Atomic<Bool>(false)
    private let servedCount = Atomic<Int>(0)
    private let finished = DispatchSemaphore(value: 0)

    /// Listens on 127.0.0.1 at a free port chosen by the kernel and starts serving.
    init(path: String, body: String) throws(StartFailure) {
        self.path = path
        self.body = Array(body.utf8)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartFailure(description: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(fd, socketAddress, length) == 0 && listen(fd, 4) == 0
                    && getsockname(fd, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw StartFailure(description: "cannot listen on 127.0.0.1: errno \(errno)")
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in
            serve()
            finished.signal()
        }
    }

    /// Requests answered with the file.
    var served: Int { servedCount.load(ordering: .acquiring) }

    /// Stops serving and closes the socket; returns when the thread has ended.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        finished.wait()
        close(listener)
    }

    private func serve() {
        while !stopping.load(ordering: .acquiring) {
            var pending = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&pending, 1, 100) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            answer(connection)
            close(connection)
        }
    }

    /// Reads the request head (at most 4 KiB, 5 s) and writes the response.
    private func answer(_ connection: Int32) {
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        let deadline = Date().addingTimeInterval(5)
        while request.count < 4096, request.firstRange(of: Array("\r\n\r\n".utf8)) == nil, Date() < deadline {
            var readable = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&readable, 1, 100) >= 0 else { return }
            guard readable.revents != 0 else { continue }
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { break }
            request += buffer[..<count]
        }
        let requestLine = String(decoding: request.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
        let found = requestLine.hasPrefix("GET \(path) ")
        let content = found ? body : Array("not found\n".utf8)
        let head = "HTTP/1.0 \(found ? "200 OK" : "404 Not Found")\r\nContent-Type: text/plain\r\n"
            + "Content-Length: \(content.count)\r\nConnection: close\r\n\r\n"
        let response = Array(head.utf8) + content
        var offset = 0
        while offset < response.count {
            let written = response[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return }
            offset += written
        }
        if found { servedCount.add(1, ordering: .releasing) }
    }
}
