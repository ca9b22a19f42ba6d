import Devices
import Machine
import Virtio

/// The virtio devices a configuration asks for (`--drive`, `--share`, `--netdev`,
/// `--console virtio`, `--rng`, `--input`, in that order, then the consoles of
/// `MachineAttachments`), built once and then placed by the board on its transport (a drive may
/// name its own with `transport=`).
///
/// Boards differ only in where the transports go (MMIO slots or PCI functions) and how their
/// interrupts are wired; which devices exist, and in which order, is decided here for all of
/// them. The event loop (libslirp's sockets and timers) is created only when a device needs it.
final class VirtioDeviceSet {
    struct Entry {
        let name: String
        let device: any VirtioDevice
        /// The transport this device asked for itself; nil follows `--virtio-transport`.
        var transport: VirtioTransportKind? = nil

        /// Where the board places this device: its own choice, else `configuration`'s, else
        /// the board's `boardDefault`.
        func placement(_ configuration: MachineConfiguration, boardDefault: VirtioTransportKind) -> VirtioTransportKind {
            transport ?? configuration.virtioTransport ?? boardDefault
        }
    }

    private(set) var entries: [Entry] = []
    private(set) var eventLoop: EventLoop?
    private var closers: [() -> Void] = []

    /// `console` is the serial backend, which a virtio console shares with the UART;
    /// `extraConsoles` get one virtio console each, last.
    init(_ configuration: MachineConfiguration, console: any CharBackend,
         extraConsoles: [any CharBackend] = []) throws(BoardError) {
        for (index, drive) in configuration.drives.enumerated() {
            do {
                let block = try BlockDevice(drive: drive)
                closers.append { block.reset() }
                entries.append(Entry(name: "blk\(index)", device: block, transport: drive.transport))
            } catch {
                throw .device("--drive \(drive.path): \(error)")
            }
        }
        for (index, share) in configuration.shares.enumerated() {
            do {
                entries.append(Entry(name: "9p\(index)", device: try NinePDevice(share: share)))
            } catch {
                throw .device("--share \(share.hostPath): \(error)")
            }
        }
        for (index, netdev) in configuration.netdevs.enumerated() {
            let loop = try sharedEventLoop()
            do {
                let net = try NetDevice(netdev: netdev, eventLoop: loop)
                closers.append { net.backend.close() }
                entries.append(Entry(name: "net\(index)", device: net))
            } catch {
                throw .device("--netdev user: \(error)")
            }
        }
        if configuration.console == .virtio {
            let size = configuration.serial == .stdio ? ConsoleDevice.terminalSize() : nil
            entries.append(Entry(name: "console", device: ConsoleDevice(backend: console, size: size)))
        }
        if configuration.entropyDevice {
            entries.append(Entry(name: "rng", device: EntropyDevice()))
        }
        for kind in configuration.inputDevices {
            let device: InputDevice = switch kind {
            case .keyboard: .keyboard()
            case .tablet: .tablet()
            }
            entries.append(Entry(name: kind.rawValue, device: device))
        }
        for (index, backend) in extraConsoles.enumerated() {
            entries.append(Entry(name: "console\(index + 1)", device: ConsoleDevice(backend: backend)))
        }
    }

    /// Starts what runs beside the vCPUs (the event loop).
    func start() { eventLoop?.start() }

    /// Stops the backends and the event loop; the guest is no longer running.
    func stop() {
        closers.forEach { $0() }
        eventLoop?.stop()
    }

    private func sharedEventLoop() throws(BoardError) -> EventLoop {
        if let eventLoop { return eventLoop }
        do {
            let loop = try EventLoop(clock: .host())
            eventLoop = loop
            return loop
        } catch {
            throw .device("cannot start the event loop: \(error)")
        }
    }
}
