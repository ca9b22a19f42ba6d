import Foundation
import Testing

/// Debian's riscv64 kernel uses every virtio device it is given, over both transports and both
/// ring formats: it mounts the ext4 disk (virtio-blk, a snapshot drive) and checks a file's
/// sha256, reads 64 bytes from virtio-rng, mounts a host directory over virtio-9p and writes a
/// file the host then reads, and exits with the command's status.
@Suite(.serialized) struct RISCV64VirtioBootTests {
    static let combinations: [(transport: String, ring: String)] = [
        ("mmio", "split"), ("mmio", "packed"), ("pci", "split"), ("pci", "packed"),
    ]

    @Test(arguments: combinations)
    func kernelUsesBlockEntropyAndNinePDevices(transport: String, ring: String) throws {
        let disk = BootRunner.imageDirectory.deletingLastPathComponent().appendingPathComponent("disk.ext4").path
        guard FileManager.default.fileExists(atPath: disk) else { throw BootRunner.Failure.missingImage(disk) }
        let share = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-share-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: share) }
        let diskBefore = try Data(contentsOf: URL(fileURLWithPath: disk))

        let command = "mount -t ext4 /dev/vda /mnt && cd /mnt && sha256sum -c hello.sha256"
            + " && head -c 64 /dev/hwrng | wc -c && mkdir /share"
            + " && mount -t 9p -o trans=virtio,version=9p2000.L hostshare /share"
            + " && echo written-by-guest > /share/from-guest && echo changed > /mnt/hello.txt && exit 7"
        let result = try BootRunner.run([
            "--board", "virt-riscv64", "--kernel", BootRunner.image("Image"),
            "--bios", BootRunner.image("fw_dynamic.bin"),
            "--initrd", BootRunner.image("initramfs.cpio.gz"),
            "--drive", "file=\(disk),snapshot=on", "--rng", "--share", "\(share.path),tag=hostshare",
            "--virtio-transport", transport, "--virtio-ring", ring,
            "--append", "console=ttyS0 quiet xemu.cmd=\"\(command)\"", "--timeout", "240",
        ], until: "XEMU-INIT: exit 7", timeout: 250)
        let tail = result.output.suffix(3000)
        #expect(result.output.contains("hello.txt: OK"), "the ext4 file's sha256 did not match; output:\n\(tail)")
        #expect(result.output.contains("\n64"), "64 bytes were not read from virtio-rng; output:\n\(tail)")
        #expect(result.sawMarker, "the command did not end with status 7; output:\n\(tail)")
        let written = try? String(contentsOf: share.appendingPathComponent("from-guest"), encoding: .utf8)
        #expect(written == "written-by-guest\n", "the guest's file did not reach the host share")
        #expect(try Data(contentsOf: URL(fileURLWithPath: disk)) == diskBefore, "a snapshot drive changed its base image")
    }
}
