/// Gather and scatter over a chain for devices that want bytes rather than buffers.
///
/// Both walk the chain with `next()` (so they validate it the same way) and copy straight
/// between the caller's buffer and guest RAM: there is no intermediate copy. Each loop turn
/// either copies at least one byte or takes one step of the bounded walk, so both end.
extension DescriptorChain {
    /// Copies the next device-readable bytes into `buffer`. Returns how many were copied: fewer
    /// than `buffer.count` only at the end of the readable part.
    @inlinable
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(VirtqueueError) -> Int {
        var done = 0
        while done < buffer.count {
            if cursorWritable { break }
            if cursorLeft == 0 {
                guard let d = try next() else { break }
                cursor = d.host
                cursorLeft = d.length
                cursorWritable = d.isDeviceWritable
                continue
            }
            let n = min(Int(cursorLeft), buffer.count &- done)
            buffer.baseAddress!.advanced(by: done).copyMemory(from: cursor!, byteCount: n)
            cursor = cursor!.advanced(by: n)
            cursorLeft &-= UInt32(n)
            done &+= n
        }
        return done
    }

    /// Copies `bytes` into the device-writable buffers that follow what was already written,
    /// skipping any readable bytes not yet read. Returns how many bytes fitted.
    @inlinable
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(VirtqueueError) -> Int {
        var done = 0
        while done < bytes.count {
            if cursorLeft == 0 || !cursorWritable {
                guard let d = try next() else { break }
                cursor = d.host
                cursorLeft = d.length
                cursorWritable = d.isDeviceWritable
                continue
            }
            let n = min(Int(cursorLeft), bytes.count &- done)
            cursor!.copyMemory(from: bytes.baseAddress!.advanced(by: done), byteCount: n)
            cursor = cursor!.advanced(by: n)
            cursorLeft &-= UInt32(n)
            done &+= n
        }
        return done
    }

    /// Walks the rest of the chain and returns the total bytes of its device-readable and
    /// device-writable buffers (what a device checks before it starts a request).
    @inlinable
    public mutating func measure() throws(VirtqueueError) -> (readable: UInt64, writable: UInt64) {
        var readable: UInt64 = 0, writable: UInt64 = 0
        while let d = try next() {
            if d.isDeviceWritable { writable &+= UInt64(d.length) } else { readable &+= UInt64(d.length) }
        }
        return (readable, writable)
    }
}
