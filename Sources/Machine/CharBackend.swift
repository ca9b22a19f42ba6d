/// The host side of a serial line (UART, virtio-console): where guest output goes and guest
/// input comes from.
///
/// Output is never dropped: `write` returns only when the host side has taken every byte, so a
/// slow host applies backpressure to the guest instead of losing console output. Input arrives
/// on the backend's own thread and waits in the backend until the device reads it; the device
/// learns of it through `inputAvailable` (it raises its interrupt from there).
public protocol CharBackend: AnyObject, Sendable {
    /// Writes all of `bytes` to the host side.
    func write(_ bytes: UnsafeRawBufferPointer)
    /// The next byte of host input, or nil when none is waiting. Never blocks.
    func readByte() -> UInt8?
    /// Called, on any thread, when input arrives while none was waiting.
    var inputAvailable: (@Sendable () -> Void)? { get set }
}
