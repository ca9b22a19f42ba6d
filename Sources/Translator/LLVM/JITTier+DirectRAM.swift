/// The exec-loop side of direct RAM access (`RegionLowering+DirectRAM`): the window of RAM
/// that compiled stores may write without probing the TLB.
extension JITTier {
    /// Sets the frame's direct store window (`JITFrame.storeLow`, `storeSpan`) for a new
    /// `CPUContext.codeLimit`: RAM from the limit (or the bank's base) to the last address an
    /// 8-byte store fits at; empty once code reaches that high.
    func noteCodeLimit(_ codeLimit: UInt64) {
        seenCodeLimit = codeLimit
        let low = max(codeLimit, ram.base), last = ram.base &+ ram.size &- 8
        frame[JITFrame.storeLow] = low
        frame[JITFrame.storeSpan] = low <= last ? last &- low &+ 1 : 0
    }
}
