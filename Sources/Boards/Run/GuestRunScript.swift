/// The busybox `sh` script that runs one `GuestRun` in the guest, and the initramfs segment
/// that carries it.
///
/// The script travels as `/xemu-run/init` in a newc cpio archive appended to the initrd, so
/// the command never passes through the kernel command line and its arguments keep every byte:
/// each one is a single-quoted shell word, in which only `'` needs care (written `'\''`).
/// Images/rootfs/init hands over to it once proc, sys and dev are mounted.
///
/// What the script does, in order: loads the initramfs's modules except the skipped ones;
/// waits for the three virtio consoles (hvc0 stdout, hvc1 stderr, hvc2 control, see
/// `RunControlChannel`); mounts each share over 9p at its host path; enters the working
/// directory; checks that the command exists; reports `start`; runs the command with its
/// stdout and stderr on pipes that `cat` copies to hvc0 and hvc1 (so the command sees pipes, as
/// in a CI job, not a terminal); reports `exit STATUS` once both copies ended; syncs and powers
/// off through the board's exit device with the status. A failure on the way reports
/// `error STATUS MESSAGE` and powers off with STATUS: 125 for the run's own setup, 127 for a
/// command that is not there (the statuses `docker run` and the shells use).
public enum GuestRunScript {
    /// Where the script lies in the guest; Images/rootfs/init runs it when present.
    public static let path = "xemu-run/init"
    /// The run could not be set up in the guest (a share, the working directory, a console).
    public static let setupFailureStatus: Int32 = 125
    /// The command does not exist in the guest.
    public static let notFoundStatus: Int32 = 127
    /// How long the script waits for a virtio console to appear (10 ms steps).
    static let consoleWaitSteps = 1000

    /// The initramfs segment: `/xemu-run/init` holding the script.
    public static func archive(_ run: GuestRun, exitStatusCommands: String) -> [UInt8] {
        var archive = NewcArchive()
        archive.addDirectory("xemu-run")
        archive.addFile(path, permissions: 0o755, contents: script(run, exitStatusCommands: exitStatusCommands))
        return archive.finish()
    }

    /// The script's bytes.
    public static func script(_ run: GuestRun, exitStatusCommands: String) -> [UInt8] {
        var out: [UInt8] = []
        func line(_ text: String) { out += Array(text.utf8) + [UInt8(ascii: "\n")] }

        line("#!/bin/sh")
        line("# Written by `xemu run` for one command (Sources/Boards/Run/GuestRunScript.swift).")
        line("export PATH=\(GuestRun.searchPath) HOME=/")
        line("")
        line("xemu_power_off() {")
        line("    sync")
        for command in exitStatusCommands.split(separator: "\n", omittingEmptySubsequences: true) {
            line("    " + command)
        }
        line("    poweroff -f")
        line("}")
        line("xemu_control() {")
        line("    { echo \"$*\" >/dev/hvc2; } 2>/dev/null || echo \"xemu-run: $*\" >/dev/console")
        line("}")
        line("xemu_fail() {")
        line("    xemu_control error \"$@\"")
        line("    xemu_power_off \"$1\"")
        line("}")
        line("")
        let skipped = run.skippedModules.joined(separator: " ")
        line("skip=\(quoted(" \(skipped) "))")
        line("if [ -f /lib/modules/load-order ]; then")
        line("    while read -r module; do")
        line("        [ -n \"$module\" ] || continue")
        line("        case \"$skip\" in *\" $module \"*) continue ;; esac")
        line("        insmod \"/lib/modules/$module\" 2>/dev/null || echo \"xemu-run: cannot load $module\"")
        line("    done </lib/modules/load-order")
        line("fi")
        line("")
        line("for tty in hvc0 hvc1 hvc2; do")
        line("    tries=0")
        line("    while [ ! -c \"/dev/$tty\" ]; do")
        line("        tries=$((tries + 1))")
        line("        [ \"$tries\" -le \(consoleWaitSteps) ] || xemu_fail \(setupFailureStatus) \"the guest has no /dev/$tty (virtio console)\"")
        line("        usleep 10000")
        line("    done")
        line("done")
        line("# hvc resets a console's settings at its last close: hold each open while the run lasts.")
        line("exec 7>/dev/hvc0 8>/dev/hvc1 9>/dev/hvc2")
        line("for tty in hvc0 hvc1 hvc2; do")
        line("    stty -F \"/dev/$tty\" raw -echo || xemu_fail \(setupFailureStatus) \"cannot set /dev/$tty to raw mode\"")
        line("done")
        line("")
        // Parents before children, so a share inside another one stays visible.
        for mount in run.mounts.sorted(by: { $0.path.utf8.count < $1.path.utf8.count }) {
            let options = "trans=virtio,version=9p2000.L,msize=524288" + (mount.readOnly ? ",ro" : "")
            let message = quoted("cannot mount the share \(oneLine(mount.path)) in the guest")
            line("mkdir -p \(quoted(mount.path)) && mount -t 9p -o \(options) \(quoted(mount.tag)) \(quoted(mount.path)) ||")
            line("    xemu_fail \(setupFailureStatus) \(message)")
        }
        let cwdMessage = quoted("cannot enter the working directory \(oneLine(run.workingDirectory)) in the guest (is it inside a --share?)")
        line("cd \(quoted(run.workingDirectory)) 2>/dev/null || xemu_fail \(setupFailureStatus) \(cwdMessage)")
        line("")
        out += Array("set --".utf8)
        for argument in run.arguments { out += [UInt8(ascii: " ")] + quoted(argument) }
        line("")
        let commandName = oneLine(String(decoding: run.arguments[0], as: UTF8.self))
        line("case \"$1\" in")
        line("    */*) [ -e \"$1\" ] ;;")
        line("    *) command -v \"$1\" >/dev/null 2>&1 ;;")
        line("esac || xemu_fail \(notFoundStatus) \(quoted("\(commandName): command not found in the guest (PATH=\(GuestRun.searchPath))"))")
        line("")
        line("mkfifo /xemu-run/stdout /xemu-run/stderr || xemu_fail \(setupFailureStatus) 'cannot create the output pipes'")
        line("cat /xemu-run/stdout >&7 &")
        line("stdout_copy=$!")
        line("cat /xemu-run/stderr >&8 &")
        line("stderr_copy=$!")
        line("xemu_control start")
        line("(")
        line("    exec 7>&- 8>&- 9>&-")
        for variable in run.environment {
            line("    export \(quoted("\(variable.name)=\(variable.value)"))")
        }
        line("    exec \"$@\"")
        line(") </dev/null >/xemu-run/stdout 2>/xemu-run/stderr")
        line("status=$?")
        line("wait \"$stdout_copy\" \"$stderr_copy\"")
        line("xemu_control exit \"$status\"")
        line("xemu_power_off \"$status\"")
        return out
    }

    /// `text` as one single-quoted shell word.
    static func quoted(_ text: String) -> String {
        String(decoding: quoted(Array(text.utf8)), as: UTF8.self)
    }

    /// `bytes` as one single-quoted shell word: every byte literal, `'` closed, escaped and
    /// reopened.
    static func quoted(_ bytes: [UInt8]) -> [UInt8] {
        var word: [UInt8] = [UInt8(ascii: "'")]
        for byte in bytes {
            if byte == UInt8(ascii: "'") {
                word += Array("'\\''".utf8)
            } else {
                word.append(byte)
            }
        }
        word.append(UInt8(ascii: "'"))
        return word
    }

    /// Text for a one-line control message: line breaks become spaces.
    private static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}
