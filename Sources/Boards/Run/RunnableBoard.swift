import Machine

/// A board that `xemu run` can boot to run one command and return its exit status.
///
/// The board supplies what differs per architecture: where its default guest (kernel and
/// busybox initramfs from `Images/build.sh`) lies, and how the guest hands the command's exit
/// status to the host through a device rather than the console. riscv64 writes it to the
/// SiFive test finisher; arm64 (PSCI SYSTEM_OFF with a status register, or semihosting
/// SYS_EXIT) and x86_64 (isa-debug-exit) add theirs when their boards land.
public protocol RunnableBoard: Board {
    /// The guest `xemu run` boots when no `--kernel` / `--initrd` is given.
    static var defaultGuest: DefaultGuest { get }
    /// busybox `sh` commands that power the guest off so that the host sees the exit status in
    /// `$1` (0 to 255) as `MachineExit.poweredOff(status:)`. They must not return on success.
    static var exitStatusCommands: String { get }

    init(configuration: MachineConfiguration, attachments: MachineAttachments) throws
}

/// The default guest of a board: files under `Images/out` (found as `DefaultImages` finds
/// them) and the command that builds them.
public struct DefaultGuest: Sendable, Equatable {
    /// The kernel, relative to `Images/out`.
    public let kernel: String
    /// The busybox initramfs whose /init hands over to `xemu run`'s script.
    public let initrd: String
    /// What to run when the files are missing.
    public let buildCommand: String

    public init(kernel: String, initrd: String, buildCommand: String) {
        self.kernel = kernel
        self.initrd = initrd
        self.buildCommand = buildCommand
    }

    /// The default kernel and initrd as host paths, or the first missing one.
    public func locate() -> Result<(kernel: String, initrd: String), DefaultGuestMissing> {
        guard let kernelPath = DefaultImages.path(kernel) else { return .failure(DefaultGuestMissing(file: kernel, guest: self)) }
        guard let initrdPath = DefaultImages.path(initrd) else { return .failure(DefaultGuestMissing(file: initrd, guest: self)) }
        return .success((kernelPath, initrdPath))
    }
}

/// A default guest image that has not been built.
public struct DefaultGuestMissing: Error, Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let guest: DefaultGuest

    public var description: String {
        "the default guest is not built (Images/out/\(file) is missing): run \(guest.buildCommand), set XEMU_IMAGES to its Images/out, or pass --kernel and --initrd"
    }
}

extension VirtRISCV64: RunnableBoard {
    public static var defaultGuest: DefaultGuest {
        DefaultGuest(kernel: "riscv64/Image", initrd: "riscv64/initramfs.cpio",
                     buildCommand: "Images/build.sh --only riscv64")
    }

    /// The SiFive test finisher at 0x10_0000: 0x5555 powers off with status 0, 0x3333 with the
    /// status in the upper 16 bits (see `SiFiveTest`). busybox `devmem` writes it.
    public static var exitStatusCommands: String {
        """
        if [ "$1" -eq 0 ]; then
            devmem 0x100000 32 0x5555
        else
            devmem 0x100000 32 $(( ($1 & 0xffff) << 16 | 0x3333 ))
        fi
        """
    }
}
