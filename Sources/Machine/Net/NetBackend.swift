/// A host-side network for one guest NIC: it takes the Ethernet frames the guest sends and
/// hands back the frames addressed to the guest.
///
/// Frames are whole Ethernet frames without a preamble or FCS and without any virtio header.
/// A backend works on its `EventLoop`'s thread: `send(_:)` must be called there, and the
/// receiver is called there, one frame at a time. A NIC model hands its guest work to that
/// loop (`EventLoop.perform`), so neither side needs a lock around the backend.
public protocol NetBackend: AnyObject, Sendable {
    /// The loop the backend's sockets and timers run on, where `send(_:)` must be called.
    var eventLoop: EventLoop { get }
    /// Takes one frame from the guest. The bytes are only borrowed for the call.
    func send(_ frame: UnsafeRawBufferPointer)
    /// Sets (or clears) who gets the frames for the guest; held weakly.
    func setReceiver(_ receiver: (any NetFrameReceiver)?)
}

/// Whoever takes the frames a `NetBackend` produces for the guest: the NIC model.
public protocol NetFrameReceiver: AnyObject, Sendable {
    /// One frame for the guest, called on the backend's loop thread. The bytes are only
    /// borrowed for the call: a receiver that cannot deliver them now copies them.
    func receive(_ frame: UnsafeRawBufferPointer)
}
