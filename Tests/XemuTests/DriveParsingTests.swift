import Testing
import Machine

@Suite struct DriveParsingTests {
    @Test func parsesAFileAlone() throws {
        let drive = try DriveConfiguration(parsing: "file=disk.img")
        #expect(drive == DriveConfiguration(path: "disk.img"))
        #expect(drive.writesImage)
    }

    @Test func parsesEveryKey() throws {
        let drive = try DriveConfiguration(
            parsing: "file=/data/disk.ext4,format=raw,readonly=on,snapshot=on,if=virtio,serial=XEMU-1,queues=4,transport=pci")
        #expect(drive.path == "/data/disk.ext4")
        #expect(drive.format == .raw)
        #expect(drive.readOnly && drive.snapshot && !drive.writesImage)
        #expect(drive.interface == .virtio)
        #expect(drive.serial == "XEMU-1")
        #expect(drive.queues == 4)
        #expect(drive.transport == .pci)
    }

    @Test func aDriveFollowsTheMachinesTransportUnlessItNamesOne() throws {
        #expect(try DriveConfiguration(parsing: "file=d.img").transport == nil)
        #expect(try DriveConfiguration(parsing: "file=d.img,transport=mmio").transport == .mmio)
    }

    @Test func aDoubledCommaIsPartOfThePath() throws {
        #expect(try DriveConfiguration(parsing: "file=a,,b.img,readonly=on").path == "a,b.img")
    }

    @Test func namesAnUnknownKeyAndTheKnownOnes() throws {
        let error = try #require(throws: ConfigurationError.self) { try DriveConfiguration(parsing: "file=d.img,cache=none") }
        #expect(error.description == "--drive: unknown option 'cache' (known: file, format, readonly, snapshot, if, serial, queues, transport)")
    }

    @Test(arguments: [
        ("readonly=on", "--drive: 'file' is missing (e.g. --drive file=disk.img)"),
        ("file=", "--drive: bad value '' for 'file' (expected a path)"),
        ("file=d.img,format=qcow2", "--drive: bad value 'qcow2' for 'format' (expected raw)"),
        ("file=d.img,readonly=yes", "--drive: bad value 'yes' for 'readonly' (expected on or off)"),
        ("file=d.img,snapshot", "--drive: cannot parse 'snapshot' (expected snapshot=VALUE)"),
        ("file=d.img,if=ide", "--drive: bad value 'ide' for 'if' (expected virtio)"),
        ("file=d.img,queues=0", "--drive queues: 0 is out of range (allowed: 1 to 64)"),
        ("file=d.img,queues=many", "--drive: bad value 'many' for 'queues' (expected a number from 1 to 64)"),
        ("file=d.img,serial=has space", "--drive: bad value 'has space' for 'serial' (expected 1 to 20 printable ASCII characters without spaces)"),
        ("file=d.img,serial=ABCDEFGHIJKLMNOPQRSTU", "--drive: bad value 'ABCDEFGHIJKLMNOPQRSTU' for 'serial' (expected 1 to 20 printable ASCII characters without spaces)"),
        ("file=d.img,transport=isa", "--drive: bad value 'isa' for 'transport' (expected mmio or pci)"),
        ("file=a.img,file=b.img", "--drive: 'file' is given more than once"),
        ("disk.img", "--drive: unknown option 'disk.img' (known: file, format, readonly, snapshot, if, serial, queues, transport)"),
    ])
    func refusesBadDrives(text: String, message: String) throws {
        let error = try #require(throws: ConfigurationError.self) { try DriveConfiguration(parsing: text) }
        #expect(error.description == message)
    }
}
