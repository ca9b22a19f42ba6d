import Foundation
import Machine
import Testing

/// Runs the built `xemu` binary the way a user does and checks what a user sees.
@Suite struct CommandLineTests {
    /// A bad command line: its arguments (`{file}` stands for an existing file, `{dir}` for an
    /// existing directory, `{missing}` for a path that does not exist), the exit status, and a
    /// part of the one stderr line.
    struct BadInput: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        let status: Int32
        let mentions: String
        var testDescription: String { arguments.joined(separator: " ") }

        init(_ arguments: [String], status: Int32 = 2, mentions: String) {
            self.arguments = arguments
            self.status = status
            self.mentions = mentions
        }
    }

    static let riscv = ["--board", "virt-riscv64"]
    static let withKernel = riscv + ["--kernel", "{file}"]

    static let badInputs: [BadInput] = [
        BadInput(["--board", "virt-mips"], mentions: "unknown board 'virt-mips' (known: virt-riscv64, virt-arm64, pc-x86_64)"),
        BadInput(["--kernel", "{file}"], mentions: "--board is required"),
        BadInput(riscv + ["--kernel", "{missing}"], mentions: "--kernel: no such file"),
        BadInput(riscv + ["--kernel", "{dir}"], mentions: "--kernel: '"),
        BadInput(withKernel + ["--initrd", "{missing}"], mentions: "--initrd: no such file"),
        BadInput(riscv + ["--bios", "{missing}"], mentions: "--bios: no such file"),
        BadInput(withKernel + ["--dtb", "{missing}"], mentions: "--dtb: no such file"),
        BadInput(withKernel + ["--drive", "file={missing}"], mentions: "--drive: no such file"),
        BadInput(withKernel + ["--share", "{file},tag=t"], mentions: "is not a directory"),
        BadInput(withKernel + ["--share", "{missing},tag=t"], mentions: "--share: no such file"),
        BadInput(withKernel + ["--memory", "12X"], mentions: "--memory: '12X' is not a size"),
        BadInput(withKernel + ["--memory", "8M"], mentions: "--memory: 8M is out of range (allowed: 16M to 64G)"),
        BadInput(withKernel + ["--memory", "128G"], mentions: "--memory: 128G is out of range"),
        BadInput(withKernel + ["--smp", "0"], mentions: "--smp: 0 is out of range"),
        BadInput(withKernel + ["--smp", "65"], mentions: "--smp: 65 is out of range"),
        BadInput(withKernel + ["--smp", "two"], mentions: "'two'"),
        BadInput(withKernel + ["--timeout", "0"], mentions: "--timeout: 0 is out of range"),
        BadInput(withKernel + ["--timeout=-3"], mentions: "--timeout: -3 is out of range"),
        BadInput(withKernel + ["--timeout", "soon"], mentions: "'soon'"),
        BadInput(withKernel + ["--drive", "file={file},cache=none"],
                 mentions: "--drive: unknown option 'cache' (known: file, format, readonly, snapshot, if, serial, queues, transport)"),
        BadInput(withKernel + ["--drive", "readonly=on"], mentions: "--drive: 'file' is missing"),
        BadInput(withKernel + ["--netdev", "tap"], mentions: "--netdev: bad value 'tap'"),
        BadInput(withKernel + ["--netdev", "user,hostfwd=tcp:2222-22"], mentions: "for 'hostfwd'"),
        BadInput(withKernel + ["--netdev", "user,mac=ff:ff:ff:ff:ff:ff"], mentions: "for 'mac'"),
        BadInput(withKernel + ["--share", "{dir}"], mentions: "--share: 'tag' is missing"),
        BadInput(withKernel + ["--serial", "pty"], mentions: "--serial: bad value 'pty'"),
        BadInput(withKernel + ["--console", "vga"], mentions: "--console: bad value 'vga'"),
        BadInput(withKernel + ["--virtio-ring", "ring"], mentions: "--virtio-ring: bad value 'ring'"),
        BadInput(withKernel + ["--virtio-transport", "isa"], mentions: "--virtio-transport: bad value 'isa'"),
        BadInput(withKernel + ["--drive", "file={file},transport=isa"], mentions: "--drive: bad value 'isa' for 'transport' (expected mmio or pci)"),
        BadInput(withKernel + ["--input", "mouse"], mentions: "--input: bad value 'mouse' (expected keyboard or tablet)"),
        BadInput(withKernel + ["--input", "tablet", "--input", "tablet"],
                 mentions: "--input: tablet is given twice (one keyboard and one tablet at most)"),
        BadInput(withKernel + ["--dtb", "{file}", "--dump-dtb", "{missing}"], mentions: "--dtb and --dump-dtb cannot be used together"),
        BadInput(riscv + ["--bios", "none"], mentions: "--bios none needs --kernel"),
        BadInput(withKernel + ["--share", "{dir},tag=t", "--share", "{dir},tag=t"], mentions: "--share: tag 't' is used twice"),
        BadInput(withKernel + ["--drive", "file={file}", "--drive", "file={file},readonly=on"], mentions: "is used twice"),
        BadInput(riscv + ["--append", "quiet"], mentions: "--append needs --kernel"),
        BadInput(withKernel + ["--frobnicate"], mentions: "'--frobnicate'"),
        BadInput(riscv + ["--kernel"], mentions: "--kernel"),
        BadInput(["bench", "virtqueue", "--chain-length", "0"], mentions: "--chain-length must be between 1 and 16, not 0"),
        BadInput(["bench", "virtqueue", "--features", "fast"],
                 mentions: "--features must be none, event-idx, indirect or event-idx+indirect, not fast"),
        BadInput(["bench", "virtqueue", "--queue-size", "65536"],
                 mentions: "--queue-size must be a power of two from 16 to 32768, not 65536"),
        // Parsed and valid, but the device or the board is not built yet: a runtime failure.
        BadInput(withKernel + ["--smp", "2"], status: 1, mentions: "--smp is not available yet"),
        BadInput(["--board", "virt-arm64", "--kernel", "{file}"], status: 1,
                 mentions: "board 'virt-arm64' is planned and cannot run guests yet"),
    ]

    @Test(arguments: badInputs)
    func aBadCommandLineGetsOneLineAndAStatus(input: BadInput) throws {
        let scratch = try Scratch()
        let file = try scratch.file("file"), dir = try scratch.folder("dir"), missing = scratch.path("missing")
        let arguments = input.arguments.map {
            $0.replacingOccurrences(of: "{file}", with: file)
                .replacingOccurrences(of: "{dir}", with: dir)
                .replacingOccurrences(of: "{missing}", with: missing)
        }
        let result = try XemuBinary.run(arguments)
        #expect(result.status == input.status)
        #expect(result.stderrLines.count == 1, "stderr: \(result.stderr)")
        let line = try #require(result.stderrLines.first)
        #expect(line.hasPrefix("xemu: "))
        #expect(line.contains(input.mentions), "stderr: \(line)")
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
        #expect(result.stdout.isEmpty)
    }

    @Test func listBoardsShowsTheThreeBoards() throws {
        let result = try XemuBinary.run(["--list-boards"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let rows = result.stdout.split(separator: "\n")
        #expect(rows.count == 4)
        let expected = [("virt-riscv64", "partial"), ("virt-arm64", "planned"), ("pc-x86_64", "planned")]
        for (name, status) in expected {
            #expect(rows.contains { $0.hasPrefix(name) && $0.contains(status) }, "\(name) should be \(status)")
        }
    }

    /// A drive's `transport=` moves only that drive: the other drive and the keyboard keep the
    /// virtio-mmio slots, in order, and the device tree lists exactly those two.
    @Test func aDriveNamingPCILeavesTheMMIOSlotsToTheOthers() throws {
        let scratch = try Scratch()
        let kernel = try scratch.file("kernel"), first = try scratch.file("first.img"), second = try scratch.file("second.img")
        let dtb = scratch.path("virt.dtb")
        let result = try XemuBinary.run([
            "--board", "virt-riscv64", "--kernel", kernel, "--drive", "file=\(first),readonly=on,transport=pci",
            "--drive", "file=\(second),readonly=on", "--input", "keyboard", "--dump-dtb", dtb,
        ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let blob = try Data(contentsOf: URL(fileURLWithPath: dtb))
        let nodes = (1...8).filter { slot in blob.firstRange(of: Data("virtio_mmio@1000\(slot)000".utf8)) != nil }
        #expect(nodes == [1, 2], "virtio-mmio nodes in slots \(nodes)")
        #expect(blob.firstRange(of: Data("pcie@30000000".utf8)) != nil)
    }

    /// Every boot hands the kernel 32 fresh random bytes in /chosen/rng-seed, so Linux's RNG is
    /// seeded at once instead of after a long jitter-gathering loop.
    @Test func theDeviceTreeCarriesAFreshRNGSeed() throws {
        let scratch = try Scratch()
        let kernel = try scratch.file("kernel")
        let seeds = try ["first.dtb", "second.dtb"].map { name in
            let dtb = scratch.path(name)
            let result = try XemuBinary.run(["--board", "virt-riscv64", "--kernel", kernel, "--dump-dtb", dtb])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            let tree = try DeviceTree(flattened: [UInt8](Data(contentsOf: URL(fileURLWithPath: dtb))))
            return tree.root.node(at: "/chosen")?[property: "rng-seed"]?.value ?? []
        }
        #expect(seeds[0].count == 32 && seeds[1].count == 32)
        #expect(seeds[0] != seeds[1])
    }

    @Test func versionNamesXemuAndItsLibraries() throws {
        let result = try XemuBinary.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("xemu "))
        #expect(result.stdout.contains("libslirp"))
    }

    @Test func helpListsTheBootOptions() throws {
        let result = try XemuBinary.run(["boot", "--help"])
        #expect(result.status == 0)
        for option in ["--board", "--kernel", "--drive", "--netdev", "--share", "--memory", "--timeout", "--list-boards", "--input", "transport=mmio|pci"] {
            #expect(result.stdout.contains(option), "\(option) missing from help")
        }
    }

    @Test func benchIsAGroupOfMeasurements() throws {
        let result = try XemuBinary.run(["bench", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("Measure parts of xemu without a guest CPU."))
    }
}
