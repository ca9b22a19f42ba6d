import Machine
import Testing
import Virtio
import VirtioDriver
@testable import Devices

/// virtio-net on libslirp, with the test playing the guest's network stack by hand. Host
/// traffic stays on 127.0.0.1 (10.0.2.2 in the guest network is the host's loopback).
@Suite(.serialized) struct SlirpNetTests {
    struct Setup {
        let loop: EventLoop
        let rig: NetRig<SlirpBackend>

        init(options: HarnessVariant, netdev: NetdevConfiguration = NetdevConfiguration()) throws {
            loop = try EventLoop(clock: .host())
            loop.start()
            rig = try NetRig(device: NetDevice(netdev: netdev, eventLoop: loop), options: options)
            try rig.postReceive(count: 16)
        }

        func finish() {
            rig.harness.reset()
            rig.device.backend.close()
            loop.stop()
        }

        /// Asks for the router's MAC; slirp learns the guest's from the request.
        func resolveGateway() throws {
            try rig.send(Packet.arpRequest(asking: Packet.gatewayIP))
            let reply = try rig.receive { frame -> [UInt8]? in
                frame.count >= 42 && Packet.read16(frame, 12) == Packet.typeARP && Packet.read16(frame, 20) == 2
                    ? Array(frame[22..<28]) : nil
            }
            #expect(reply == Packet.gatewayMAC)
        }

        func segment(_ match: @escaping (Packet.TCPSegment) -> Bool) throws -> Packet.TCPSegment? {
            try rig.receive { frame in Packet.tcpSegment(frame).flatMap { match($0) ? $0 : nil } }
        }
    }

    @Test(arguments: HarnessVariant.all)
    func dhcpDiscoverGetsAnOfferFor10_0_2_15(options: HarnessVariant) throws {
        let setup = try Setup(options: options)
        defer { setup.finish() }
        try setup.rig.send(Packet.dhcpDiscover(xid: 0x1234_5678))
        let offer = try setup.rig.receive { Packet.dhcpReply($0, xid: 0x1234_5678) }
        #expect(offer?.type == 2)                       // DHCPOFFER
        #expect(offer?.yourAddress == Packet.guestIP)
        #expect(setup.rig.device.backend.statistics.framesFromGuest == 1)
    }

    @Test(arguments: HarnessVariant.all)
    func guestTCPReachesAHostListenerBothWays(options: HarnessVariant) throws {
        let setup = try Setup(options: options)
        defer { setup.finish() }
        let rig = setup.rig
        let listener = try LoopbackSocket.listen()
        let port = listener.port
        try setup.resolveGateway()

        let guestPort: UInt16 = 40000
        try rig.send(Packet.tcp(to: Packet.gatewayIP, sourcePort: guestPort, destinationPort: port,
                                seq: 1000, ack: 0, flags: Packet.tcpSYN))
        let connection = try listener.accept()
        let synAck = try #require(try setup.segment { $0.flags & Packet.tcpSYN != 0 })
        #expect(synAck.flags & Packet.tcpACK != 0)
        #expect(synAck.ack == 1001)
        #expect(synAck.sourcePort == port && synAck.destinationPort == guestPort)
        var hostSeq = synAck.seq &+ 1

        try rig.send(Packet.tcp(to: Packet.gatewayIP, sourcePort: guestPort, destinationPort: port,
                                seq: 1001, ack: hostSeq, flags: Packet.tcpACK))
        // The data segment leaves its checksum to the device (NEEDS_CSUM): slirp checks it.
        let request = Array("hello from the guest".utf8)
        try rig.send(Packet.tcp(to: Packet.gatewayIP, sourcePort: guestPort, destinationPort: port, seq: 1001,
                                ack: hostSeq, flags: Packet.tcpACK | Packet.tcpPSH, request, offload: true),
                     header: rig.checksumHeader(start: 34, offset: 16))
        #expect(connection.read(count: request.count) == request)

        let reply = Array("hello from the host".utf8)
        #expect(connection.write(reply))
        let data = try #require(try setup.segment { !$0.payload.isEmpty })
        #expect(data.payload == reply)
        #expect(data.seq == hostSeq)
        #expect(data.ack == 1001 &+ UInt32(request.count))
        hostSeq &+= UInt32(reply.count)
        try rig.send(Packet.tcp(to: Packet.gatewayIP, sourcePort: guestPort, destinationPort: port,
                                seq: 1001 &+ UInt32(request.count), ack: hostSeq, flags: Packet.tcpACK))
        try rig.waitTransmitted(5)
        #expect(rig.device.metrics.txMalformed == 0)
    }

    @Test(arguments: HarnessVariant.all)
    func hostForwardReachesAGuestListener(options: HarnessVariant) throws {
        let hostPort = try LoopbackSocket.freePort()
        var netdev = NetdevConfiguration()
        netdev.hostForwards = [HostForward(transport: .tcp, hostAddress: "127.0.0.1", hostPort: hostPort,
                                           guestAddress: nil, guestPort: 8080)]
        let setup = try Setup(options: options, netdev: netdev)
        defer { setup.finish() }
        let rig = setup.rig
        try setup.resolveGateway()

        let client = try LoopbackSocket.connect(port: hostPort)
        let syn = try #require(try setup.segment { $0.flags & Packet.tcpSYN != 0 && $0.destinationPort == 8080 })
        #expect(syn.flags & Packet.tcpACK == 0)
        let guestSeq: UInt32 = 5000
        try rig.send(Packet.tcp(to: Packet.gatewayIP, sourcePort: 8080, destinationPort: syn.sourcePort,
                                seq: guestSeq, ack: syn.seq &+ 1, flags: Packet.tcpSYN | Packet.tcpACK))
        #expect(client.waitConnected())

        let ping = Array("ping".utf8)
        #expect(client.write(ping))
        let data = try #require(try setup.segment { !$0.payload.isEmpty })
        #expect(data.payload == ping)
        #expect(data.ack == guestSeq &+ 1)
        let pong = Array("pong from the guest".utf8)
        try rig.send(Packet.tcp(to: Packet.gatewayIP, sourcePort: 8080, destinationPort: syn.sourcePort,
                                seq: guestSeq &+ 1, ack: data.seq &+ UInt32(ping.count),
                                flags: Packet.tcpACK | Packet.tcpPSH, pong))
        #expect(client.read(count: pong.count) == pong)
    }

    @Test(arguments: HarnessVariant.all)
    func guestUDPReachesAHostSocketAndTheReplyComesBack(options: HarnessVariant) throws {
        var netdev = NetdevConfiguration()
        netdev.mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01]
        let setup = try Setup(options: options, netdev: netdev)
        defer { setup.finish() }
        let rig = setup.rig
        #expect(rig.device.readConfig(offset: 0, size: 2) == 0x0002)
        #expect(rig.device.mac == netdev.mac)
        let host = try LoopbackDatagramSocket()
        let question = Array("udp from the guest".utf8)
        let mac = try #require(netdev.mac)
        try rig.send(Packet.ethernet(to: Packet.gatewayMAC, from: mac, type: Packet.typeIPv4,
                                     Packet.udp(from: Packet.guestIP, to: Packet.gatewayIP, sourcePort: 5353,
                                                destinationPort: host.port, question)))
        let received = try #require(host.receive())
        #expect(received.bytes == question)
        let answer = Array("udp from the host".utf8)
        #expect(host.send(answer, to: received.from))
        // Slirp does not know the guest's MAC yet: it asks, and the test answers as a guest.
        var answeredARP = false
        let reply = try rig.receive { frame -> [UInt8]? in
            if let arp = Packet.arpReply(to: frame, mac: mac) {
                answeredARP = (try? rig.send(arp)) != nil
                return nil
            }
            guard Array(frame[0..<6]) == mac, let (proto, source, udp) = Packet.ipv4Payload(frame), proto == 17,
                  source == Packet.gatewayIP, udp.count >= 8, Packet.read16(udp, 2) == 5353 else { return nil }
            return Array(udp[8...])
        }
        #expect(reply == answer)
        #expect(answeredARP)
    }

    @Test(arguments: [HarnessVariant.all[0], HarnessVariant.all[15]])
    func udpHostForwardReachesTheGuest(options: HarnessVariant) throws {
        let hostPort = try LoopbackDatagramSocket().port
        var netdev = NetdevConfiguration()
        netdev.hostForwards = [HostForward(transport: .udp, hostAddress: "127.0.0.1", hostPort: hostPort,
                                           guestAddress: "10.0.2.15", guestPort: 9000)]
        let setup = try Setup(options: options, netdev: netdev)
        defer { setup.finish() }
        let rig = setup.rig
        try setup.resolveGateway()
        let client = try LoopbackDatagramSocket()
        #expect(client.send(Array("to the guest".utf8), to: LoopbackSocket.address(port: hostPort)))
        let datagram = try rig.receive { frame -> (sourcePort: UInt16, payload: [UInt8])? in
            guard let (proto, _, udp) = Packet.ipv4Payload(frame), proto == 17, udp.count >= 8,
                  Packet.read16(udp, 2) == 9000 else { return nil }
            return (Packet.read16(udp, 0), Array(udp[8...]))
        }
        let received = try #require(datagram)
        #expect(received.payload == Array("to the guest".utf8))
        let answer = Array("from the guest".utf8)
        try rig.send(Packet.ethernet(to: Packet.gatewayMAC, type: Packet.typeIPv4,
                                     Packet.udp(from: Packet.guestIP, to: Packet.gatewayIP, sourcePort: 9000,
                                                destinationPort: received.sourcePort, answer)))
        #expect(client.receive()?.bytes == answer)
    }

    @Test func aTakenHostPortIsATypedError() throws {
        let loop = try EventLoop(clock: .host())
        let taken = try LoopbackSocket.listen()
        var netdev = NetdevConfiguration()
        let forward = HostForward(transport: .tcp, hostAddress: "127.0.0.1", hostPort: taken.port, guestAddress: nil, guestPort: 22)
        netdev.hostForwards = [forward]
        #expect(throws: NetBackendError.hostForwardFailed(forward)) {
            _ = try NetDevice(netdev: netdev, eventLoop: loop)
        }
        netdev.hostForwards = [HostForward(transport: .tcp, hostAddress: "localhost", hostPort: 1, guestAddress: nil, guestPort: 22)]
        #expect(throws: NetBackendError.badAddress("localhost")) {
            _ = try NetDevice(netdev: netdev, eventLoop: loop)
        }
    }
}
