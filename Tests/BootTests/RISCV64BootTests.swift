import Foundation
import Testing

/// The acceptance boots on `virt-riscv64`, headless: Debian's OpenSBI fw_jump enters
/// U-Boot (qemu-riscv64_smode), which must reach its prompt; Debian's riscv64 kernel with the
/// busybox initramfs must run the command given on its command line and power off.
@Suite(.serialized) struct RISCV64BootTests {
    @Test func openSBIEntersUBootWhichReachesItsPrompt() throws {
        let result = try BootRunner.run([
            "--board", "virt-riscv64", "--bios", BootRunner.image("fw_jump.bin"),
            "--kernel", BootRunner.image("u-boot.bin"), "--timeout", "60",
        ], until: "\n=> ", timeout: 60)
        #expect(result.output.contains("OpenSBI v"), "no OpenSBI banner; output:\n\(result.output.suffix(2000))")
        #expect(result.output.contains("U-Boot 20"), "U-Boot did not start; output:\n\(result.output.suffix(2000))")
        #expect(result.sawMarker, "no U-Boot prompt within 60 s; output:\n\(result.output.suffix(2000))")
    }

    @Test func debianKernelRunsTheCommandAndPowersOff() throws {
        let result = try BootRunner.run([
            "--board", "virt-riscv64", "--kernel", BootRunner.image("Image"),
            "--bios", BootRunner.image("fw_dynamic.bin"),
            "--initrd", BootRunner.image("initramfs.cpio.gz"),
            "--append", "console=ttyS0 xemu.cmd=\"echo hello-from-guest; exit 3\"", "--timeout", "300",
        ], timeout: 310)
        #expect(result.output.contains("XEMU-INIT: ready"), "the kernel did not reach /init; output:\n\(result.output.suffix(3000))")
        #expect(result.output.contains("hello-from-guest"), "the command did not run; output:\n\(result.output.suffix(3000))")
        #expect(result.output.contains("XEMU-INIT: exit 3"), "the command's status was not 3; output:\n\(result.output.suffix(3000))")
        #expect(result.status == 3, "xemu exited with \(String(describing: result.status)), not the command's status 3")
    }
}
