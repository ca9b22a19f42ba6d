import Testing
import Machine

@Suite struct NetdevParsingTests {
    @Test func parsesAPlainUserNetwork() throws {
        let netdev = try NetdevConfiguration(parsing: "user")
        #expect(netdev.kind == .user && netdev.hostForwards.isEmpty && netdev.mac == nil)
    }

    @Test func parsesQEMUStyleForwardsAndAMac() throws {
        let netdev = try NetdevConfiguration(
            parsing: "user,hostfwd=tcp::2222-:22,hostfwd=udp:0.0.0.0:5353-10.0.2.15:53,mac=52:54:00:ab:cd:ef")
        #expect(netdev.hostForwards == [
            HostForward(transport: .tcp, hostAddress: "127.0.0.1", hostPort: 2222, guestAddress: nil, guestPort: 22),
            HostForward(transport: .udp, hostAddress: "0.0.0.0", hostPort: 5353, guestAddress: "10.0.2.15", guestPort: 53),
        ])
        #expect(netdev.mac == [0x52, 0x54, 0x00, 0xAB, 0xCD, 0xEF])
    }

    @Test func anEmptyProtocolMeansTCP() throws {
        #expect(try HostForward(parsing: ":127.0.0.1:8080-:80").transport == .tcp)
    }

    @Test(arguments: [
        "tcp:2222-:22", "tcp::2222:22", "tcp::0-:22", "tcp::2222-:70000", "sctp::1-:2", "tcp:1.2.3:22-:22",
        "tcp:1.2.3.256:22-:22", "tcp::22-:22-:23", "", "tcp::x-:22",
    ])
    func refusesMalformedForwards(text: String) {
        #expect(throws: ConfigurationError.self) { try HostForward(parsing: text) }
    }

    @Test(arguments: [
        ("tap", "--netdev: bad value 'tap' (expected the backend user)"),
        ("hostfwd=tcp::1-:2", "--netdev: cannot parse 'hostfwd=tcp::1-:2' (expected a backend first: user[,hostfwd=...][,mac=...])"),
        ("user,id=net0", "--netdev: unknown option 'id' (known: hostfwd, mac)"),
        ("user,mac=01:00:5e:00:00:01", "--netdev: bad value '01:00:5e:00:00:01' for 'mac' (expected a unicast address of six hex bytes, e.g. 52:54:00:12:34:56)"),
        ("user,mac=52:54:00:12:34", "--netdev: bad value '52:54:00:12:34' for 'mac' (expected a unicast address of six hex bytes, e.g. 52:54:00:12:34:56)"),
        ("user,mac=52:54:00:12:34:56,mac=52:54:00:12:34:57", "--netdev: 'mac' is given more than once"),
        ("user,hostfwd=tcp::2222-:22,hostfwd=tcp:127.0.0.1:2222-:23", "--netdev: host port tcp 127.0.0.1:2222 is forwarded twice"),
        ("user,hostfwd=tcp::2222", "--netdev: bad value 'tcp::2222' for 'hostfwd' (expected [tcp|udp]:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, e.g. tcp::2222-:22)"),
    ])
    func refusesBadNetdevs(text: String, message: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try NetdevConfiguration(parsing: text) }
        #expect(error.description == message)
    }
}

@Suite struct ShareParsingTests {
    @Test func parsesADirectoryAndTag() throws {
        let share = try ShareConfiguration(parsing: "/srv/data,tag=data,readonly=on")
        #expect(share.hostPath == "/srv/data" && share.tag == "data" && share.readOnly)
        #expect(try ShareConfiguration(parsing: "dir,,with,,commas,tag=t").hostPath == "dir,with,commas")
        #expect(try !ShareConfiguration(parsing: "d,tag=t,readonly=off").readOnly)
    }

    @Test(arguments: [
        ("/srv/data", "--share: 'tag' is missing (e.g. --share /srv/data,tag=share)"),
        (",tag=x", "--share: cannot parse ',tag=x' (expected HOSTDIR,tag=NAME[,readonly=on])"),
        ("/srv,tag=", "--share: bad value '' for 'tag' (expected 1 to 64 printable ASCII characters without spaces)"),
        ("/srv,tag=a b", "--share: bad value 'a b' for 'tag' (expected 1 to 64 printable ASCII characters without spaces)"),
        ("/srv,tag=a,tag=b", "--share: 'tag' is given more than once"),
        ("/srv,tag=a,security_model=none", "--share: unknown option 'security_model' (known: tag, readonly)"),
        ("/srv,tag=a,readonly=1", "--share: bad value '1' for 'readonly' (expected on or off)"),
    ])
    func refusesBadShares(text: String, message: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try ShareConfiguration(parsing: text) }
        #expect(error.description == message)
    }
}
