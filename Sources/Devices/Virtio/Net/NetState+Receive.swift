import Machine
import Virtio

extension NetState {
    /// Takes a frame from the backend: straight into receive buffers when nothing waits, else
    /// (or when the buffers run out part-way) into the bounded wait queue.
    mutating func accept(_ frame: UnsafeRawBufferPointer) {
        guard active, rx != nil else {
            metrics.rxNotReady &+= 1
            return
        }
        guard frame.count >= 14, frame.count <= NetLimits.maxFrameLength else {
            metrics.rxTooLarge &+= 1
            return
        }
        if waiting.isEmpty, progress == nil {
            if deliver(frame) { return }
            // Part of it is in unpublished chains: it waits at the front to be finished.
            if !waiting.prepend(frame) {
                metrics.rxQueueFull &+= 1
            }
            return
        }
        if !waiting.append(frame) { metrics.rxQueueFull &+= 1 }
    }

    /// Delivers waiting frames in order until the buffers run out (the driver posted more).
    mutating func deliverWaiting() {
        guard active, rx != nil else { return }
        var turns = waiting.count
        while turns > 0, let frame = waiting.first {
            turns -= 1
            let done = frame.withUnsafeBytes { deliver($0) }
            guard done else { return }
            waiting.removeFirst()
        }
    }

    /// Writes header and frame into receive chains: one chain, or with MRG_RXBUF as many as it
    /// takes (virtio 1.2 §5.1.6.4). Returns false when the queue ran dry first; `progress` then
    /// says where to go on, and nothing of the frame is published yet.
    mutating func deliver(_ frame: UnsafeRawBufferPointer) -> Bool {
        let mergeable = features & NetFeature.mergeableRxBuffers != 0
        let total = headerSize + frame.count
        var step = progress ?? ReceiveProgress(offset: 0, buffers: 0, numBuffers: nil)
        progress = nil
        // Each turn pops a chain, and a ring holds at most 32768.
        var turns = 0
        while step.offset < total, turns < 32768 {
            turns += 1
            guard rx != nil else { return true }
            let popped: DescriptorChain?
            do {
                popped = try rx!.pop()
            } catch {
                queueBroke(0)
                return true
            }
            guard var chain = popped else {
                if rx!.enableNotifications() { continue }
                progress = step
                return false
            }
            let written = fill(&chain, frame: frame, step: &step)
            if written == 0 {
                // Completed empty. Part-way through a mergeable frame it still counts as one of
                // the frame's buffers, so num_buffers matches the used entries the driver reads.
                metrics.rxBadBuffers &+= 1
                if step.offset > 0 { step.buffers &+= 1 }
                push(chain.token, written: 0)
                continue
            }
            if !mergeable, step.offset < total {
                // Without MRG_RXBUF the frame must fit one chain: drop it, return the buffer.
                metrics.rxTooLarge &+= 1
                push(chain.token, written: 0)
                signalReceived()
                return true
            }
            step.buffers &+= 1
            push(chain.token, written: UInt32(written))
        }
        if step.offset < total {
            // The walk bound ran out (a driver refilling as fast as chains fail): go on later.
            progress = step
            return false
        }
        if let field = step.numBuffers {
            field.storeBytes(of: (mergeable ? step.buffers : 1).littleEndian, toByteOffset: 0, as: UInt16.self)
        }
        metrics.rxFrames &+= 1
        metrics.rxBytes &+= UInt64(frame.count)
        signalReceived()
        return true
    }

    /// Writes into one chain what fits of the header and frame from `step.offset`; returns the
    /// bytes written, 0 for an unusable chain (the first chain must open with a writable
    /// buffer that holds the whole header).
    private func fill(_ chain: inout DescriptorChain, frame: UnsafeRawBufferPointer, step: inout ReceiveProgress) -> Int {
        var written = 0
        do {
            guard let first = try chain.next(), first.isDeviceWritable else { return 0 }
            var room = UnsafeMutableRawBufferPointer(start: first.host, count: Int(first.length))
            if step.offset == 0 {
                guard room.count >= headerSize else { return 0 }
                writeHeader(into: room.baseAddress!)
                step.numBuffers = headerSize == NetHeader.maxSize ? room.baseAddress! + NetHeader.numBuffersOffset : nil
                step.offset = headerSize
                written = headerSize
                room = UnsafeMutableRawBufferPointer(rebasing: room[headerSize...])
            }
            let part = copy(frame, from: step.offset - headerSize, into: room)
            step.offset += part
            written += part
            while step.offset < headerSize + frame.count {
                let rest = UnsafeRawBufferPointer(rebasing: frame[(step.offset - headerSize)...])
                let more = try chain.write(rest)
                guard more > 0 else { break }
                step.offset += more
                written += more
            }
        } catch {
            // A corrupt descriptor later in the chain: keep what was written before it.
        }
        return written
    }

    private func copy(_ frame: UnsafeRawBufferPointer, from start: Int, into room: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(room.count, frame.count - start)
        guard count > 0 else { return 0 }
        room.baseAddress!.copyMemory(from: frame.baseAddress! + start, byteCount: count)
        return count
    }

    private func writeHeader(into pointer: UnsafeMutableRawPointer) {
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: headerSize)
        if features & NetFeature.guestChecksum != 0 {
            pointer.storeBytes(of: NetHeader.dataValid, as: UInt8.self)
        }
    }

    private mutating func push(_ token: UsedToken, written: UInt32) {
        do {
            try rx!.push(token, written: written)
        } catch {
            queueBroke(0)
        }
    }

    private mutating func signalReceived() {
        guard rx != nil else { return }
        if rx!.needsInterrupt() { interrupts?.usedBuffers(queue: 0) }
    }
}
