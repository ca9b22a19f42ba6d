/// What a device keeps of a popped chain in order to complete it later: the head (split) or
/// buffer ID (packed) the used entry reports, the pop order (for IN_ORDER batching) and the
/// format. Eight bytes, so an out-of-order device can hold many without copying whole chains.
public struct UsedToken: Equatable, Sendable {
    /// The descriptor index (split) or buffer ID (packed) of the chain.
    public let head: UInt16
    @usableFromInline let isPacked: Bool
    @usableFromInline let sequence: UInt32

    @inlinable
    init(head: UInt16, isPacked: Bool, sequence: UInt32) {
        self.head = head
        self.isPacked = isPacked
        self.sequence = sequence
    }
}

extension DescriptorChain {
    /// The token to complete this chain with, also after the chain value is gone.
    @inlinable public var token: UsedToken {
        UsedToken(head: head, isPacked: isPacked, sequence: sequence)
    }
}
