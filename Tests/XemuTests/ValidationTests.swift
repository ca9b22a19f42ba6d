import Foundation
import Machine
import Testing

@Suite struct ValidationTests {
    let scratch: Scratch
    let kernel: String

    init() throws {
        scratch = try Scratch()
        kernel = try scratch.file("Image")
    }

    func configuration(_ change: (inout MachineConfiguration) -> Void = { _ in }) -> MachineConfiguration {
        var configuration = MachineConfiguration(board: "virt-riscv64")
        configuration.kernel = kernel
        change(&configuration)
        return configuration
    }

    func message(_ change: (inout MachineConfiguration) -> Void) throws -> String {
        let error = try #require(throws: ConfigurationError.self) { try configuration(change).validate() }
        return error.description
    }

    @Test func acceptsAFullConfiguration() throws {
        let disk = try scratch.file("disk.img"), shared = try scratch.folder("shared")
        var config = configuration()
        config.initrd = try scratch.file("initrd")
        config.commandLine = "console=ttyS0"
        config.firmware = .file(try scratch.file("fw_jump.bin"))
        config.deviceTree = try scratch.file("board.dtb")
        config.drives = [try DriveConfiguration(parsing: "file=\(disk)"),
                         try DriveConfiguration(parsing: "file=\(try scratch.file("other.img")),readonly=on")]
        config.netdevs = [try NetdevConfiguration(parsing: "user,hostfwd=tcp::2222-:22")]
        config.shares = [try ShareConfiguration(parsing: "\(shared),tag=host")]
        config.serial = .file(scratch.path("console.log"))
        config.timeout = 2.5
        config.inputDevices = [.keyboard, .tablet]
        try config.validate()
    }

    @Test func refusesASecondInputDeviceOfOneKind() throws {
        #expect(try message { $0.inputDevices = [.keyboard, .tablet, .keyboard] }
            == "--input: keyboard is given twice (one keyboard and one tablet at most)")
    }

    @Test func checksMemoryAndCPURanges() throws {
        #expect(try message { $0.memorySize = 8 << 20 } == "--memory: 8M is out of range (allowed: 16M to 64G)")
        #expect(try message { $0.memorySize = 65 << 30 } == "--memory: 65G is out of range (allowed: 16M to 64G)")
        #expect(try message { $0.cpuCount = 0 } == "--smp: 0 is out of range (allowed: 1 to 64)")
        #expect(try message { $0.cpuCount = 65 } == "--smp: 65 is out of range (allowed: 1 to 64)")
        #expect(try message { $0.timeout = 0 } == "--timeout: 0 is out of range (allowed: more than 0 and at most 1000000 seconds)")
        #expect(throws: ConfigurationError.self) { try configuration { $0.timeout = .infinity }.validate() }
        #expect(throws: ConfigurationError.self) { try configuration { $0.timeout = .nan }.validate() }
        try configuration { $0.memorySize = 16 << 20; $0.cpuCount = 64 }.validate()
    }

    @Test func refusesConflictingOptions() throws {
        let dtb = try scratch.file("board.dtb")
        #expect(try message { $0.deviceTree = dtb; $0.dumpDeviceTree = scratch.path("out.dtb") }
            == "--dtb and --dump-dtb cannot be used together (--dump-dtb writes the generated device tree)")
        #expect(try message { $0.kernel = nil; $0.firmware = .none } == "--bios none needs --kernel (nothing would run)")
        #expect(try message { $0.kernel = nil; $0.initrd = dtb } == "--initrd needs --kernel")
        #expect(try message { $0.kernel = nil; $0.commandLine = "quiet" } == "--append needs --kernel")
    }

    @Test func namesMissingAndWrongKindsOfFiles() throws {
        let missing = scratch.path("missing"), folder = try scratch.folder("folder"), file = try scratch.file("file")
        #expect(try message { $0.kernel = missing } == "--kernel: no such file or directory: '\(missing)'")
        #expect(try message { $0.kernel = folder } == "--kernel: '\(folder)' is not a regular file")
        #expect(try message { $0.initrd = missing } == "--initrd: no such file or directory: '\(missing)'")
        #expect(try message { $0.firmware = .file(missing) } == "--bios: no such file or directory: '\(missing)'")
        #expect(try message { $0.deviceTree = missing } == "--dtb: no such file or directory: '\(missing)'")
        #expect(try message { $0.drives = [DriveConfiguration(path: missing)] } == "--drive: no such file or directory: '\(missing)'")
        #expect(try message { $0.shares = [ShareConfiguration(hostPath: file, tag: "t")] } == "--share: '\(file)' is not a directory")
        #expect(try message { $0.shares = [ShareConfiguration(hostPath: missing, tag: "t")] } == "--share: no such file or directory: '\(missing)'")
        #expect(try message { $0.dumpDeviceTree = "\(missing)/out.dtb" } == "--dump-dtb: no such file or directory: '\(missing)'")
        #expect(try message { $0.serial = .file("\(file)/log") } == "--serial: '\(file)' is not a directory")
    }

    @Test func refusesOneImageWrittenThroughTwoDrives() throws {
        let disk = try scratch.file("disk.img")
        let writable = DriveConfiguration(path: disk)
        var readOnly = DriveConfiguration(path: disk)
        readOnly.readOnly = true
        var snapshot = DriveConfiguration(path: disk)
        snapshot.snapshot = true
        let expected = "--drive: '\(disk)' is used twice and written by one of them (add readonly=on or snapshot=on to both)"
        #expect(try message { $0.drives = [writable, writable] } == expected)
        #expect(try message { $0.drives = [readOnly, writable] } == expected)
        // The same file through a second path is the same image.
        let link = scratch.path("link.img")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: disk)
        #expect(throws: ConfigurationError.self) { try configuration { $0.drives = [writable, DriveConfiguration(path: link)] }.validate() }
        try configuration { $0.drives = [readOnly, snapshot, readOnly] }.validate()
    }

    @Test func refusesRepeatedSharesTagsForwardsAndMacs() throws {
        let one = try scratch.folder("one"), two = try scratch.folder("two")
        #expect(try message {
            $0.shares = [ShareConfiguration(hostPath: one, tag: "data"), ShareConfiguration(hostPath: two, tag: "data")]
        } == "--share: tag 'data' is used twice")
        let first = try NetdevConfiguration(parsing: "user,hostfwd=tcp::2222-:22,mac=52:54:00:00:00:01")
        let second = try NetdevConfiguration(parsing: "user,hostfwd=tcp:0.0.0.0:2222-:22,mac=52:54:00:00:00:02")
        #expect(try message { $0.netdevs = [first, second] } == "--netdev: host port tcp 0.0.0.0:2222 is forwarded twice")
        let sameMac = try NetdevConfiguration(parsing: "user,mac=52:54:00:00:00:01")
        #expect(try message { $0.netdevs = [first, sameMac] } == "--netdev: two network devices share one mac address")
        #expect(try message { $0.netdevs = [NetdevConfiguration(), NetdevConfiguration()] }
            == "--netdev: give each of several network devices its own mac=")
    }
}
