#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raw mode for the console terminal, with its restoration guaranteed on every way out.
///
/// Raw mode passes every key (Ctrl-C included) to the guest and turns off local echo; output
/// processing stays on, as QEMU leaves it, so host messages keep their line breaks. The saved
/// settings are put back by `restore()` (normal stop), by an `atexit` handler (exit from
/// anywhere), and by handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that restore the
/// terminal and then let the signal take its default effect. One terminal at a time: xemu has
/// one console on stdin.
enum TerminalRawMode {
    /// Switches `fd` to raw mode. Returns false, changing nothing, if `fd` is not a terminal.
    static func enter(_ fd: Int32) -> Bool {
        var settings = termios()
        guard isatty(fd) == 1, tcgetattr(fd, &settings) == 0 else { return false }
        savedSettings = settings
        savedDescriptor = fd
        installHandlersOnce()
        settings.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON)
        settings.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
        settings.c_cflag &= ~tcflag_t(CSIZE | PARENB)
        settings.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        return tcsetattr(fd, TCSANOW, &settings) == 0
    }

    /// Puts the saved settings back, if raw mode is on. Safe to call from a signal handler and
    /// more than once.
    static func restore() { restoreTerminal() }

    private static func installHandlersOnce() {
        guard !handlersInstalled else { return }
        handlersInstalled = true
        atexit { restoreTerminal() }
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signal in
                restoreTerminal()
                // SA_RESETHAND has made the disposition the default again: raising the signal
                // now ends the process as it would have without xemu's handler.
                raise(signal)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
    }
}

// Plain globals, so that the signal handler reads them without locks or allocation.
nonisolated(unsafe) private var savedSettings = termios()
nonisolated(unsafe) private var savedDescriptor: Int32 = -1
nonisolated(unsafe) private var handlersInstalled = false

private func restoreTerminal() {
    guard savedDescriptor >= 0 else { return }
    tcsetattr(savedDescriptor, TCSANOW, &savedSettings)
    savedDescriptor = -1
}
