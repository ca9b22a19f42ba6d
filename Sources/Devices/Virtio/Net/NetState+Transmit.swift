import Machine
import Virtio

/// What one transmit step produced.
enum TransmitOutcome {
    /// Nothing more to send now.
    case idle
    /// A chain was completed but its frame dropped (counted).
    case dropped
    /// A frame lies in the staging buffer at `offset`, `length` bytes long.
    case frame(offset: Int, length: Int)
}

extension NetState {
    /// Interrupt checks happen at least this often in a long burst of transmits.
    static var transmitInterruptBatch: Int { 32 }

    /// Takes the next transmit chain, gathers header and frame into `staging`, completes the
    /// chain and checks the frame (virtio 1.2 §5.1.6.2: the device handles the driver's
    /// header; a partial checksum is completed here).
    mutating func nextTransmitFrame(into staging: UnsafeMutableRawBufferPointer) -> TransmitOutcome {
        guard active, tx != nil else { return .idle }
        let popped: DescriptorChain?
        do {
            popped = try tx!.pop()
        } catch {
            queueBroke(1)
            return .idle
        }
        guard var chain = popped else {
            signalTransmitted()
            return .idle
        }
        let capacity = headerSize + NetLimits.maxFrameLength + 1
        let gathered: Int
        do {
            gathered = try chain.read(into: UnsafeMutableRawBufferPointer(rebasing: staging[0..<capacity]))
        } catch {
            metrics.txMalformed &+= 1
            complete(chain.token)
            return .dropped
        }
        complete(chain.token)
        if gathered == capacity {
            metrics.txOversized &+= 1
            return .dropped
        }
        let length = gathered - headerSize
        guard length >= 14 else {
            metrics.txMalformed &+= 1
            return .dropped
        }
        let flags = staging[0], gsoType = staging[1]
        let checksumStart = Int(staging[6]) | Int(staging[7]) << 8
        let checksumOffset = Int(staging[8]) | Int(staging[9]) << 8
        guard gsoType == NetHeader.gsoNone else {
            metrics.txMalformed &+= 1
            return .dropped
        }
        let frame = UnsafeMutableRawBufferPointer(rebasing: staging[headerSize..<(headerSize + length)])
        if flags & NetHeader.needsChecksum != 0,
           !NetHeader.insertChecksum(frame, start: checksumStart, offset: checksumOffset) {
            metrics.txMalformed &+= 1
            return .dropped
        }
        metrics.txFrames &+= 1
        metrics.txBytes &+= UInt64(length)
        return .frame(offset: headerSize, length: length)
    }

    /// Completes a transmit chain (nothing written) and interrupts now and then in a burst.
    private mutating func complete(_ token: UsedToken) {
        do {
            try tx!.push(token, written: 0)
        } catch {
            queueBroke(1)
            return
        }
        transmittedSinceCheck += 1
        if transmittedSinceCheck >= Self.transmitInterruptBatch { signalTransmitted() }
    }

    private mutating func signalTransmitted() {
        guard tx != nil, transmittedSinceCheck > 0 else { return }
        transmittedSinceCheck = 0
        if tx!.needsInterrupt() { interrupts?.usedBuffers(queue: 1) }
    }
}
