import Foundation
import Testing

/// U-Boot (Debian's `qemu-riscv64_smode`, entered by OpenSBI `fw_jump`) drives xemu's virtio
/// disks on both transports at once: a drive on virtio-mmio (found through its device tree
/// node) and one on virtio-pci (found by `pci enum` through the generic ECAM host), typed at
/// its prompt through the serial console. Each disk's first MiB, read with `virtio read`,
/// must have the CRC-32 the host computes for the image.
///
/// U-Boot's virtio implements only the split ring. With `--virtio-ring packed` xemu offers
/// just RING_PACKED on top of the split ring's baseline; U-Boot declines it and the devices
/// must fall back to the split ring.
@Suite(.serialized) struct RISCV64UBootVirtioTests {
    /// U-Boot's `kernel_addr_r` on this board: free RAM for the reads.
    static let loadAddress = "84000000"

    @Test(arguments: ["split", "packed"])
    func uBootReadsADiskOnEachTransport(ring: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-uboot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Different sizes, so `virtio info` tells the two disks apart.
        let mmioDisk = try Self.makeDisk(in: folder, name: "mmio.img", mebibytes: 2, seed: 0x1234_5678)
        let pciDisk = try Self.makeDisk(in: folder, name: "pci.img", mebibytes: 3, seed: 0x9ABC_DEF1)

        var steps = [BootRunner.ConsoleStep(expect: "Hit any key to stop autoboot", send: " ")]
        var commands = ["pci enum", "virtio scan", "virtio info", "dm tree"]
        for device in 0..<2 {
            commands += ["virtio dev \(device)", "virtio read \(Self.loadAddress) 0 800", "crc32 \(Self.loadAddress) 100000"]
        }
        // "\n=> ", not "=> ": crc32 ends its line with "==> CRC".
        steps += commands.map { BootRunner.ConsoleStep(expect: "\n=> ", send: $0 + "\n") }
        let result = try BootRunner.run([
            "--board", "virt-riscv64", "--bios", BootRunner.image("fw_jump.bin"),
            "--kernel", BootRunner.image("u-boot.bin"),
            "--drive", "file=\(mmioDisk.path),readonly=on,transport=mmio",
            "--drive", "file=\(pciDisk.path),readonly=on,transport=pci",
            "--virtio-ring", ring, "--timeout", "90",
        ], steps: steps, until: "\n=> ", timeout: 95)
        let output = result.output
        let tail = output.suffix(3000)
        #expect(result.sawMarker, "U-Boot did not finish the commands within 90 s; output:\n\(tail)")
        #expect(output.contains("Capacity: 2.0 MB"), "virtio info does not list the 2 MiB MMIO disk; output:\n\(tail)")
        #expect(output.contains("Capacity: 3.0 MB"), "virtio info does not list the 3 MiB PCI disk; output:\n\(tail)")
        #expect(Self.blockDeviceFollows("virtio-mmio", in: output), "dm tree shows no virtio-blk on virtio-mmio; output:\n\(tail)")
        #expect(Self.blockDeviceFollows("virtio-pci", in: output), "dm tree shows no virtio-blk on virtio-pci; output:\n\(tail)")
        #expect(output.components(separatedBy: "2048 blocks read: OK").count == 3, "both reads must succeed; output:\n\(tail)")
        for disk in [mmioDisk, pciDisk] {
            let firstMiB = try Data(contentsOf: disk).prefix(1 << 20)
            let expected = String(format: "%08x", CRC32.checksum(firstMiB))
            #expect(output.contains("==> \(expected)"), "U-Boot's crc32 of \(disk.lastPathComponent) is not the host's \(expected); output:\n\(tail)")
        }
    }

    /// Whether `dm tree` lists a virtio-blk device right under a `transport` driver line.
    static func blockDeviceFollows(_ transport: String, in output: String) -> Bool {
        let lines = output.split(whereSeparator: \.isNewline)
        return zip(lines, lines.dropFirst()).contains { parent, child in
            parent.contains(" \(transport)") && child.contains("virtio-blk")
        }
    }

    /// A disk image of pseudo-random bytes (xorshift64 from `seed`), so a wrong block or a
    /// zeroed read changes the checksum.
    static func makeDisk(in folder: URL, name: String, mebibytes: Int, seed: UInt64) throws -> URL {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: mebibytes << 20)
        for index in stride(from: 0, to: bytes.count, by: 8) {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state.littleEndian) { word in
                for offset in 0..<8 { bytes[index + offset] = word[offset] }
            }
        }
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }
}
