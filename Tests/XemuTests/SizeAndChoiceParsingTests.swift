import Testing
import Machine

@Suite struct SizeAndChoiceParsingTests {
    @Test(arguments: [
        ("512M", UInt64(512) << 20), ("2G", 2 << 30), ("1024K", 1 << 20), ("4096", 4096), ("1t", 1 << 40),
        ("512MB", 512 << 20), ("2GiB", 2 << 30), ("0", 0),
    ])
    func parsesSizes(text: String, bytes: UInt64) throws {
        #expect(try MemorySize(parsing: text).bytes == bytes)
    }

    @Test(arguments: ["", "M", "12X", "1.5G", "-1G", "0x100", "2 G", "G2", "١٢M"])
    func refusesMalformedSizes(text: String) {
        #expect(throws: ConfigurationError.malformedSize(option: "--memory", text: text)) { try MemorySize(parsing: text) }
    }

    @Test func refusesSizesThatOverflow() {
        #expect(throws: ConfigurationError.self) { try MemorySize(parsing: "99999999999T") }
        #expect(throws: ConfigurationError.self) { try MemorySize(parsing: "99999999999999999999") }
    }

    @Test func describesSizesInTheirShortestForm() {
        #expect(MemorySize(bytes: 512 << 20).description == "512M")
        #expect(MemorySize(bytes: 64 << 30).description == "64G")
        #expect(MemorySize(bytes: 1536 << 10).description == "1536K")
        #expect(MemorySize(bytes: 1000).description == "1000")
    }

    @Test func parsesSerialTargets() throws {
        #expect(try SerialConfiguration(parsing: "stdio") == .stdio)
        #expect(try SerialConfiguration(parsing: "file:/tmp/console.log") == .file("/tmp/console.log"))
        for bad in ["", "file:", "pty", "stdio2", "File:/x"] {
            #expect(throws: ConfigurationError.self) { try SerialConfiguration(parsing: bad) }
        }
        let error = try #require(throws: ConfigurationError.self) { try SerialConfiguration(parsing: "pty") }
        #expect(error.description == "--serial: bad value 'pty' (expected stdio or file:PATH)")
    }

    @Test func parsesFirmwareChoices() throws {
        #expect(try FirmwareChoice(parsing: "none") == .none)
        #expect(try FirmwareChoice(parsing: "fw_jump.bin") == .file("fw_jump.bin"))
        #expect(throws: ConfigurationError.self) { try FirmwareChoice(parsing: "") }
    }

    @Test func parsesChoicesNamingTheAlternatives() throws {
        #expect(try VirtioRingFormat(parsing: "packed", option: "--virtio-ring") == .packed)
        #expect(try VirtioTransportKind(parsing: "pci", option: "--virtio-transport") == .pci)
        #expect(try ConsoleKind(parsing: "virtio", option: "--console") == .virtio)
        #expect(try InputDeviceKind(parsing: "tablet", option: "--input") == .tablet)
        let error = try #require(throws: ConfigurationError.self) {
            try VirtioRingFormat(parsing: "ring", option: "--virtio-ring")
        }
        #expect(error.description == "--virtio-ring: bad value 'ring' (expected split or packed)")
    }
}
