/// Test-only Ethernet/ARP/IPv4/UDP/TCP/DHCP frames, built and parsed just far enough for the
/// virtio-net tests to play a guest's network stack by hand.
enum Packet {
    static let guestMAC: [UInt8] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]
    static let gatewayMAC: [UInt8] = [0x52, 0x55, 0x0A, 0x00, 0x02, 0x02]
    static let broadcastMAC: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
    static let guestIP: [UInt8] = [10, 0, 2, 15]
    static let gatewayIP: [UInt8] = [10, 0, 2, 2]

    static let typeIPv4: UInt16 = 0x0800, typeARP: UInt16 = 0x0806
    static let tcpFIN: UInt8 = 0x01, tcpSYN: UInt8 = 0x02, tcpRST: UInt8 = 0x04, tcpPSH: UInt8 = 0x08, tcpACK: UInt8 = 0x10

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    static func read16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) << 8 | UInt16(b[at + 1]) }
    static func read32(_ b: [UInt8], _ at: Int) -> UInt32 { UInt32(read16(b, at)) << 16 | UInt32(read16(b, at + 2)) }

    /// The one's-complement sum of `bytes`, folded, not inverted.
    static func sum(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt16 {
        var s = initial
        var i = 0
        while i + 1 < bytes.count { s += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < bytes.count { s += UInt32(bytes[i]) << 8 }
        while s >> 16 != 0 { s = (s & 0xFFFF) + (s >> 16) }
        return UInt16(s)
    }

    static func ethernet(to: [UInt8], from: [UInt8] = guestMAC, type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        to + from + be16(type) + payload
    }

    static func arpRequest(asking target: [UInt8], from sender: [UInt8] = guestIP) -> [UInt8] {
        ethernet(to: broadcastMAC, type: typeARP,
                 be16(1) + be16(0x0800) + [6, 4] + be16(1) + guestMAC + sender + [0, 0, 0, 0, 0, 0] + target)
    }

    /// The guest's answer to an ARP request for `address` (nil if `frame` is not one).
    static func arpReply(to frame: [UInt8], address: [UInt8] = guestIP, mac: [UInt8] = guestMAC) -> [UInt8]? {
        guard frame.count >= 42, read16(frame, 12) == typeARP, read16(frame, 20) == 1,
              Array(frame[38..<42]) == address else { return nil }
        let askerMAC = Array(frame[22..<28]), askerIP = Array(frame[28..<32])
        return ethernet(to: askerMAC, from: mac, type: typeARP,
                        be16(1) + be16(0x0800) + [6, 4] + be16(2) + mac + address + askerMAC + askerIP)
    }

    static func ipv4(from: [UInt8], to: [UInt8], protocol proto: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var header = [0x45, 0] + be16(UInt16(20 + payload.count)) + be16(0x1234) + be16(0x4000) + [64, proto, 0, 0] + from + to
        let checksum = ~sum(header)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        return header + payload
    }

    /// The pseudo-header sum for a transport checksum (not inverted).
    static func pseudoSum(from: [UInt8], to: [UInt8], protocol proto: UInt8, length: Int) -> UInt16 {
        sum(from + to + [0, proto] + be16(UInt16(length)))
    }

    static func udp(from: [UInt8], to: [UInt8], sourcePort: UInt16, destinationPort: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var segment = be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
        let checksum = ~sum(segment, initial: UInt32(pseudoSum(from: from, to: to, protocol: 17, length: segment.count)))
        segment[6] = UInt8(checksum >> 8)
        segment[7] = UInt8(checksum & 0xFF)
        return ipv4(from: from, to: to, protocol: 17, segment)
    }

    /// A TCP segment from the guest in an Ethernet frame. With `offload`, the checksum field
    /// holds only the pseudo-header sum, as Linux leaves it for a NEEDS_CSUM header.
    static func tcp(from: [UInt8] = guestIP, to: [UInt8], sourcePort: UInt16, destinationPort: UInt16,
                    seq: UInt32, ack: UInt32, flags: UInt8, _ payload: [UInt8] = [], offload: Bool = false) -> [UInt8] {
        var segment = be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack) + [0x50, flags]
            + be16(65535) + [0, 0, 0, 0] + payload
        let pseudo = pseudoSum(from: from, to: to, protocol: 6, length: segment.count)
        let checksum = offload ? pseudo : ~sum(segment, initial: UInt32(pseudo))
        segment[16] = UInt8(checksum >> 8)
        segment[17] = UInt8(checksum & 0xFF)
        return ethernet(to: gatewayMAC, type: typeIPv4, ipv4(from: from, to: to, protocol: 6, segment))
    }

    static func dhcpDiscover(xid: UInt32) -> [UInt8] {
        var bootp: [UInt8] = [1, 1, 6, 0] + be32(xid) + [0, 0, 0x80, 0] + [UInt8](repeating: 0, count: 16)
        bootp += guestMAC + [UInt8](repeating: 0, count: 10 + 64 + 128)
        bootp += [99, 130, 83, 99, 53, 1, 1, 255]
        return ethernet(to: broadcastMAC, type: typeIPv4,
                        udp(from: [0, 0, 0, 0], to: [255, 255, 255, 255], sourcePort: 68, destinationPort: 67, bootp))
    }

    /// A parsed TCP segment of a frame for the guest.
    struct TCPSegment: Equatable {
        var sourcePort: UInt16, destinationPort: UInt16, seq: UInt32, ack: UInt32, flags: UInt8
        var payload: [UInt8]
    }

    /// The IPv4 payload and protocol of a frame, with the IPv4 header checksum verified.
    static func ipv4Payload(_ frame: [UInt8]) -> (proto: UInt8, source: [UInt8], payload: [UInt8])? {
        guard frame.count >= 34, read16(frame, 12) == typeIPv4 else { return nil }
        let headerLength = Int(frame[14] & 0x0F) * 4
        let total = Int(read16(frame, 16))
        guard headerLength >= 20, total >= headerLength, 14 + total <= frame.count,
              sum(Array(frame[14..<(14 + headerLength)])) == 0xFFFF else { return nil }
        return (frame[23], Array(frame[26..<30]), Array(frame[(14 + headerLength)..<(14 + total)]))
    }

    static func tcpSegment(_ frame: [UInt8]) -> TCPSegment? {
        guard let (proto, _, s) = ipv4Payload(frame), proto == 6, s.count >= 20 else { return nil }
        let offset = Int(s[12] >> 4) * 4
        guard offset >= 20, offset <= s.count else { return nil }
        return TCPSegment(sourcePort: read16(s, 0), destinationPort: read16(s, 2), seq: read32(s, 4), ack: read32(s, 8),
                          flags: s[13], payload: Array(s[offset...]))
    }

    /// (message type, offered address) of a DHCP reply frame.
    static func dhcpReply(_ frame: [UInt8], xid: UInt32) -> (type: UInt8, yourAddress: [UInt8])? {
        guard let (proto, _, udp) = ipv4Payload(frame), proto == 17, udp.count > 8 + 240,
              read16(udp, 0) == 67, read16(udp, 2) == 68 else { return nil }
        let bootp = Array(udp[8...])
        guard bootp[0] == 2, read32(bootp, 4) == xid, Array(bootp[236..<240]) == [99, 130, 83, 99] else { return nil }
        var i = 240
        while i + 1 < bootp.count, bootp[i] != 255 {
            if bootp[i] == 0 { i += 1; continue }
            let length = Int(bootp[i + 1])
            if bootp[i] == 53, length == 1, i + 2 < bootp.count { return (bootp[i + 2], Array(bootp[16..<20])) }
            i += 2 + length
        }
        return nil
    }
}
