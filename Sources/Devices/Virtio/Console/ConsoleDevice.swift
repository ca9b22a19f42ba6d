import CHostIO
import Machine
import Synchronization
import Virtio

/// A virtio console with one port (virtio 1.2 §5.3, `--console virtio`): port 0's receive queue
/// carries host input from a `CharBackend` to the guest, its transmit queue guest output to it.
///
/// All queue work runs on the device's own thread. Output is never dropped: the backend's
/// `write` returns only when the host took every byte, and a transmit buffer is completed only
/// after that, so a slow host side holds the guest back (backpressure). Input is read from the
/// backend only when a receive buffer is ready for it; a byte read while none is waits in the
/// device. With a terminal size (`VIRTIO_CONSOLE_F_SIZE`) the guest sees columns and rows in
/// the config space, and `resize` tells it of changes.
public final class ConsoleDevice: VirtioDevice, @unchecked Sendable {
    /// VIRTIO_CONSOLE_F_SIZE: the config space holds the console size.
    public static let featureSize: UInt64 = 1 << 0
    /// Bytes of guest output taken per transmit chain before it is completed, bounding one step.
    static let maxBytesPerChain = 1 << 20

    static let receiveEvent: UInt32 = 1, transmitEvent: UInt32 = 2

    public let backend: any CharBackend
    private let size: Mutex<(columns: UInt16, rows: UInt16)?>
    private let worker = DeviceEventThread()
    private let active = Mutex(false)
    // Owned by the worker thread between activate and reset.
    private var receiveQueue: Virtqueue?
    private var transmitQueue: Virtqueue?
    private var interrupts: (any VirtioInterrupts)?
    private var heldByte: UInt8?
    /// Guest output bytes passed to the backend.
    public let bytesTransmitted = Atomic<UInt64>(0)
    public let bytesReceived = Atomic<UInt64>(0)

    /// A console on `backend`; `size` (columns, rows) offers VIRTIO_CONSOLE_F_SIZE.
    public init(backend: any CharBackend, size: (columns: UInt16, rows: UInt16)? = nil) {
        self.backend = backend
        self.size = Mutex(size)
        offersSize = size != nil
    }

    private let offersSize: Bool

    /// The size of the terminal on `fd` (standard output by default), nil when it is not one.
    public static func terminalSize(of fd: Int32 = 1) -> (columns: UInt16, rows: UInt16)? {
        var columns: UInt16 = 0, rows: UInt16 = 0
        guard xemu_terminal_size(fd, &columns, &rows) == 0, columns > 0, rows > 0 else { return nil }
        return (columns, rows)
    }

    public var deviceID: VirtioDeviceID { .console }
    public var deviceFeatures: UInt64 { offersSize ? Self.featureSize : 0 }
    public var queueMaxSizes: [UInt16] { [256, 256] }
    /// cols (le16), rows (le16), max_nr_ports (le32), emerg_wr (le32).
    public var configSize: Int { 12 }

    public func readConfig(offset: Int, size length: Int) -> UInt64 {
        let current: (columns: UInt16, rows: UInt16) = size.withLock { $0 ?? (0, 0) }
        var bytes = [UInt8](repeating: 0, count: 12)
        bytes[0] = UInt8(current.columns & 0xFF); bytes[1] = UInt8(current.columns >> 8)
        bytes[2] = UInt8(current.rows & 0xFF); bytes[3] = UInt8(current.rows >> 8)
        bytes[4] = 1
        var value: UInt64 = 0
        for i in 0..<length where offset + i < bytes.count { value |= UInt64(bytes[offset + i]) << (8 * i) }
        return value
    }

    /// Only emerg_wr is writable, and EMERG_WRITE is not offered: writes are ignored.
    public func writeConfig(offset: Int, size: Int, value: UInt64) {}

    /// The host terminal changed size: update the config space and tell the driver.
    public func resize(columns: UInt16, rows: UInt16) {
        size.withLock { $0 = (columns, rows) }
        if active.withLock({ $0 }), offersSize { interrupts?.configChanged() }
    }

    public func activate(_ activation: VirtioActivation) {
        reset()
        receiveQueue = activation.queues.count > 0 ? activation.queues[0] : nil
        transmitQueue = activation.queues.count > 1 ? activation.queues[1] : nil
        interrupts = activation.interrupts
        worker.start { [self] events in serve(events) }
        backend.inputAvailable = { [worker] in worker.post(ConsoleDevice.receiveEvent) }
        active.withLock { $0 = true }
        worker.post(Self.receiveEvent | Self.transmitEvent)
    }

    public func notify(queue: Int) {
        guard active.withLock({ $0 }) else { return }
        if queue == 0 { worker.post(Self.receiveEvent) } else if queue == 1 { worker.post(Self.transmitEvent) }
    }

    public func reset() {
        active.withLock { $0 = false }
        backend.inputAvailable = nil
        worker.stop()
        receiveQueue = nil
        transmitQueue = nil
        interrupts = nil
    }

    private func serve(_ events: UInt32) {
        guard let interrupts else { return }
        if events & Self.transmitEvent != 0, transmitQueue != nil { transmit(interrupts) }
        if events & Self.receiveEvent != 0, receiveQueue != nil { receive(interrupts) }
    }

    /// Worker thread: passes every available transmit chain's bytes to the backend.
    private func transmit(_ interrupts: any VirtioInterrupts) {
        var served = 0
        while served < 1024 {
            let popped: DescriptorChain?
            do { popped = try transmitQueue!.pop() } catch { interrupts.deviceNeedsReset(); return }
            guard var chain = popped else {
                if transmitQueue!.enableNotifications() { continue }
                return
            }
            transmitQueue!.disableNotifications()
            var sent = 0
            do {
                while let d = try chain.next(), sent < Self.maxBytesPerChain {
                    guard !d.isDeviceWritable else { continue }
                    let n = min(Int(d.length), Self.maxBytesPerChain - sent)
                    backend.write(UnsafeRawBufferPointer(start: d.host, count: n))
                    sent += n
                }
            } catch {}
            bytesTransmitted.add(UInt64(sent), ordering: .relaxed)
            try? transmitQueue!.push(chain.token, written: 0)
            served += 1
            if transmitQueue!.needsInterrupt() { interrupts.usedBuffers(queue: 1) }
        }
        worker.post(Self.transmitEvent)
    }

    /// Worker thread: moves waiting host input into receive buffers while both exist.
    private func receive(_ interrupts: any VirtioInterrupts) {
        var served = 0
        while served < 1024 {
            guard let first = heldByte ?? backend.readByte() else { return }
            heldByte = first
            let popped: DescriptorChain?
            do { popped = try receiveQueue!.pop() } catch { interrupts.deviceNeedsReset(); return }
            guard var chain = popped else {
                // No buffer: keep the byte until the driver adds one (it notifies queue 0).
                if receiveQueue!.enableNotifications() { continue }
                return
            }
            receiveQueue!.disableNotifications()
            heldByte = nil
            var next: UInt8? = first
            var written = 0
            do {
                fill: while let d = try chain.next() {
                    guard d.isDeviceWritable else { continue }
                    for i in 0..<Int(d.length) {
                        guard let byte = next ?? backend.readByte() else { break fill }
                        next = nil
                        d.host.storeBytes(of: byte, toByteOffset: i, as: UInt8.self)
                        written += 1
                    }
                }
            } catch {
                written = 0
            }
            // A byte taken but not stored (a corrupt chain, or no writable room) waits for the
            // next buffer.
            if let byte = next { heldByte = byte }
            bytesReceived.add(UInt64(written), ordering: .relaxed)
            try? receiveQueue!.push(chain.token, written: UInt32(written))
            served += 1
            if receiveQueue!.needsInterrupt() { interrupts.usedBuffers(queue: 0) }
        }
        worker.post(Self.receiveEvent)
    }
}
