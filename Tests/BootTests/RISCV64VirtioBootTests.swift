import Foundation
import Testing

/// Debian's riscv64 kernel uses every virtio device it is given, over both transports and both
/// ring formats: it mounts the ext4 disk (virtio-blk, a snapshot drive) and checks a file's
/// sha256, reads 64 bytes from virtio-rng, mounts a host directory over virtio-9p and writes a
/// file the host then reads, gets 10.0.2.15 by DHCP over virtio-net (user networking) and
/// fetches a file from a host HTTP listener, lists the virtio keyboard and tablet among its
/// input devices, and exits with the command's status. One of the boots runs its console on
/// virtio-console (hvc0) instead of the UART, so /init's and the command's output reach xemu's
/// stdout through that device.
@Suite(.serialized) struct RISCV64VirtioBootTests {
    struct Combination: CustomTestStringConvertible, Sendable {
        var transport: String
        var ring: String
        /// Whether the kernel's console is virtio-console (`--console virtio`, console=hvc0).
        var virtioConsole = false

        var testDescription: String { "\(transport)+\(ring)\(virtioConsole ? " console=hvc0" : "")" }
    }

    /// The virtio console is in a PCI boot: virtio_pci is built into Debian's kernel, so hvc0
    /// exists before /init opens its console (virtio_mmio is a module /init loads later).
    static let combinations: [Combination] = [
        Combination(transport: "mmio", ring: "split"), Combination(transport: "mmio", ring: "packed"),
        Combination(transport: "pci", ring: "split"), Combination(transport: "pci", ring: "packed", virtioConsole: true),
    ]

    @Test(arguments: combinations)
    func kernelUsesEveryVirtioDevice(_ combination: Combination) throws {
        let disk = BootRunner.imageDirectory.deletingLastPathComponent().appendingPathComponent("disk.ext4").path
        guard FileManager.default.fileExists(atPath: disk) else { throw BootRunner.Failure.missingImage(disk) }
        let share = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-share-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: share, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: share) }
        let diskBefore = try Data(contentsOf: URL(fileURLWithPath: disk))
        let token = "xemu-http-body-\(UUID().uuidString.prefix(8))"
        let http = try HTTPResponder(path: "/xemu-test.txt", body: token + "\n")
        defer { http.stop() }

        let console = combination.virtioConsole ? "hvc0" : "ttyS0"
        let command = "mount -t ext4 /dev/vda /mnt && cd /mnt && sha256sum -c hello.sha256"
            + " && head -c 64 /dev/hwrng | wc -c && mkdir /share"
            + " && mount -t 9p -o trans=virtio,version=9p2000.L hostshare /share"
            + " && echo written-by-guest > /share/from-guest && echo changed > /mnt/hello.txt"
            + " && ip link set eth0 up && udhcpc -i eth0 -n -q && ip -4 addr show dev eth0"
            + " && wget -q -O - http://10.0.2.2:\(http.port)\(http.path)"
            + " && grep Name= /proc/bus/input/devices && cat /sys/class/tty/console/active && exit 7"
        var arguments = [
            "--board", "virt-riscv64", "--kernel", try BootRunner.image("Image"),
            "--bios", try BootRunner.image("fw_dynamic.bin"),
            "--initrd", try BootRunner.image("initramfs.cpio.gz"),
            "--drive", "file=\(disk),snapshot=on", "--rng", "--share", "\(share.path),tag=hostshare",
            "--netdev", "user", "--input", "keyboard", "--input", "tablet",
            "--virtio-transport", combination.transport, "--virtio-ring", combination.ring,
            "--append", "console=\(console) quiet xemu.cmd=\"\(command)\"", "--timeout", "240",
        ]
        if combination.virtioConsole { arguments += ["--console", "virtio"] }
        let result = try BootRunner.run(arguments, until: "XEMU-INIT: exit 7", timeout: 250)
        let tail = result.output.suffix(3000)
        #expect(result.output.contains("XEMU-INIT: ready"), "/init's output did not reach xemu's stdout; output:\n\(tail)")
        #expect(result.output.contains("hello.txt: OK"), "the ext4 file's sha256 did not match; output:\n\(tail)")
        #expect(result.output.contains("\n64"), "64 bytes were not read from virtio-rng; output:\n\(tail)")
        #expect(result.output.contains("inet 10.0.2.15/24"), "DHCP did not give eth0 10.0.2.15; output:\n\(tail)")
        #expect(result.output.contains(token), "the file from the host's HTTP listener did not arrive; output:\n\(tail)")
        #expect(http.served == 1, "the host's HTTP listener served \(http.served) requests, not 1")
        #expect(result.output.contains("N: Name=\"xemu virtio keyboard\""), "no virtio keyboard in /proc/bus/input/devices; output:\n\(tail)")
        #expect(result.output.contains("N: Name=\"xemu virtio tablet\""), "no virtio tablet in /proc/bus/input/devices; output:\n\(tail)")
        #expect(result.output.contains("\n\(console)"), "the kernel's console was not \(console); output:\n\(tail)")
        #expect(result.sawMarker, "the command did not end with status 7; output:\n\(tail)")
        let written = try? String(contentsOf: share.appendingPathComponent("from-guest"), encoding: .utf8)
        #expect(written == "written-by-guest\n", "the guest's file did not reach the host share")
        #expect(try Data(contentsOf: URL(fileURLWithPath: disk)) == diskBefore, "a snapshot drive changed its base image")
    }
}
