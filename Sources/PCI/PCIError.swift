/// Mistakes in wiring PCI functions, found when a board builds its machine.
public enum PCIError: Error, Equatable, Sendable {
    /// The slot already holds a function; pick another device/function number.
    case slotTaken(device: Int, function: Int)
    /// The device number must be 0-31 and the function number 0-7.
    case invalidSlot(device: Int, function: Int)
    /// The BAR window has no room for this BAR; make the window larger.
    case windowFull(bar: Int, size: UInt64)
}
