import Machine
import Synchronization

/// The SoftMMU's out-of-line paths: TLB refill, misaligned and page-crossing accesses, MMIO
/// through the Bus, stores that hit translated code, and the atomic (A-extension style) accesses.
///
/// While the data MMU context translates, misses walk the front end's page tables
/// (`AddressTranslator`); the fast path keeps its shape.
extension CPUContext {
    /// Maps the virtual page of `address` (backed by `physical`) in the data TLB if all of it is
    /// RAM. Under translation only a store refill grants the store tag, so that the first store
    /// to a page goes through the page walk (write permission, dirty bit).
    private func refill(_ address: UInt64, physical: UInt64, forStore: Bool) {
        let base = address & ~TLBGeometry.pageOffsetMask
        let physicalBase = physical & ~TLBGeometry.pageOffsetMask
        guard let host = memory.hostPointer(physicalBase, length: TLBGeometry.pageSize) else { return }
        let page = physicalBase >> TLBGeometry.pageShift
        let writable = (forStore || !dataTranslated) && !cache.holdsCode(page: page)
        mappedContexts |= 1 << dataContext
        tlb[TLBGeometry.index(address)] = TLBEntry(
            readTag: base, writeTag: writable ? base : TLBEntry.invalidTag,
            addend: UInt(bitPattern: host) &- UInt(truncatingIfNeeded: base), physicalPage: page)
    }

    /// Whether an access of `size` bytes at `address` crosses into another page while
    /// translation is on (each page then needs its own walk).
    @inline(__always)
    private func crossesTranslatedPage(_ address: UInt64, size: UInt64) -> Bool {
        dataTranslated && (address ^ (address &+ size &- 1)) >> TLBGeometry.pageShift != 0
    }

    /// A load of `size` bytes that missed the inline path; the value zero-extended, or nil with
    /// the fault (page fault, or access fault for neither RAM nor a device region) in `slowFault`.
    @inline(never)
    func loadSlow(_ address: UInt64, size: UInt64) -> UInt64? {
        if crossesTranslatedPage(address, size: size) {
            var value: UInt64 = 0
            for k in 0..<size {
                guard let byte = loadSlow(address &+ k, size: 1) else { return nil }
                value |= byte << (8 &* k)
            }
            return value
        }
        guard let physical = translateData(address, access: .load) else { return nil }
        if let p = memory.hostPointer(physical, length: size) {
            refill(address, physical: physical, forStore: false)
            return Self.loadLittleEndian(p, size: size)
        }
        if let region = bus.region(containing: physical), size &- 1 <= region.last &- physical {
            return region.device.read(offset: physical &- region.base, size: Int(size))
        }
        slowFault = .loadAccess(address: address)
        return nil
    }

    /// A store of the low `size` bytes of `value` that missed the inline path; false with the
    /// fault in `slowFault`. Invalidates translated blocks in the pages it writes.
    @inline(never)
    func storeSlow(_ address: UInt64, size: UInt64, value: UInt64) -> Bool {
        if crossesTranslatedPage(address, size: size) {
            // Both pages must allow the store before any byte is written.
            guard translateData(address, access: .store) != nil,
                  translateData(address &+ size &- 1, access: .store) != nil else { return false }
            for k in 0..<size where !storeSlow(address &+ k, size: 1, value: value >> (8 &* k)) { return false }
            return true
        }
        guard let physical = translateData(address, access: .store) else { return false }
        if let p = memory.hostPointer(physical, length: size) {
            invalidateCode(physical, size: size)
            Self.storeLittleEndian(p, size: size, value: value)
            refill(address, physical: physical, forStore: true)
            return true
        }
        if let region = bus.region(containing: physical), size &- 1 <= region.last &- physical {
            region.device.write(offset: physical &- region.base, size: Int(size), value: value)
            return true
        }
        slowFault = .storeAccess(address: address)
        return false
    }

    private func invalidateCode(_ address: UInt64, size: UInt64) {
        let end = address &+ size &- 1
        if address >> TLBGeometry.pageShift == end >> TLBGeometry.pageShift {
            cache.invalidate(page: address >> TLBGeometry.pageShift, written: CodeMask.chunks(address, end))
        } else {
            cache.invalidate(page: address >> TLBGeometry.pageShift, written: CodeMask.chunks(address, address | TLBGeometry.pageOffsetMask))
            cache.invalidate(page: end >> TLBGeometry.pageShift, written: CodeMask.chunks(end & ~TLBGeometry.pageOffsetMask, end))
        }
    }

    private static func loadLittleEndian(_ p: UnsafeMutableRawPointer, size: UInt64) -> UInt64 {
        switch size {
        case 1: UInt64(p.load(as: UInt8.self))
        case 2: UInt64(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))
        case 4: UInt64(UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
        default: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        }
    }

    private static func storeLittleEndian(_ p: UnsafeMutableRawPointer, size: UInt64, value: UInt64) {
        switch size {
        case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
        case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, as: UInt16.self)
        case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, as: UInt32.self)
        default: p.storeBytes(of: value.littleEndian, as: UInt64.self)
        }
    }

    /// Where an atomic access lands in RAM: the host pointer, and the physical address when the
    /// page may hold translated code (nil when the TLB granted the store, which it never does
    /// for a code page), so that a store there invalidates the code.
    private struct AtomicTarget {
        var host: UnsafeMutableRawPointer
        var codePhysical: UInt64?
    }

    /// RAM for an aligned atomic access, or the fault to raise. LR/SC work on RAM only; device
    /// regions answer them with an access fault. A TLB hit (the read tag for LR, the write tag
    /// otherwise) skips the page walk; a miss walks and refills, as plain loads and stores do.
    private func atomicTarget(_ address: UInt64, size: UInt64, isLoad: Bool) -> Result<AtomicTarget, GuestFault> {
        guard address & (size &- 1) == 0 else {
            return .failure(isLoad ? .loadMisaligned(address: address) : .storeMisaligned(address: address))
        }
        let e = tlb[TLBGeometry.index(address)]
        if (isLoad ? e.readTag : e.writeTag) == TLBGeometry.tag(address, size: size),
           let host = UnsafeMutableRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)) {
            return .success(AtomicTarget(host: host, codePhysical: nil))
        }
        guard let physical = translateData(address, access: isLoad ? .load : .store) else { return .failure(slowFault) }
        guard let p = memory.hostPointer(physical, length: size) else {
            return .failure(isLoad ? .loadAccess(address: address) : .storeAccess(address: address))
        }
        refill(address, physical: physical, forStore: !isLoad)
        return .success(AtomicTarget(host: p, codePhysical: physical))
    }

    /// Load-reserved: the loaded value (sign-extended for 4 bytes), and a reservation.
    @inline(never)
    func loadReserved(_ address: UInt64, size: UInt64) -> Result<UInt64, GuestFault> {
        switch atomicTarget(address, size: size, isLoad: true) {
        case .failure(let f): return .failure(f)
        case .success(let target):
            let p = target.host
            let raw = size == 4
                ? UInt64(p.assumingMemoryBound(to: Atomic<UInt32>.self).pointee.load(ordering: .acquiring))
                : p.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.load(ordering: .acquiring)
            reservationAddress = address
            reservationSize = size
            reservationValue = raw
            return .success(size == 4 ? UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: raw))) : raw)
        }
    }

    /// Store-conditional: 0 if the store happened, 1 if not. It succeeds only with a reservation
    /// for the same address and size whose value is unchanged; any SC ends the reservation.
    @inline(never)
    func storeConditional(_ address: UInt64, size: UInt64, value: UInt64) -> Result<UInt64, GuestFault> {
        switch atomicTarget(address, size: size, isLoad: false) {
        case .failure(let f): return .failure(f)
        case .success(let target):
            let p = target.host
            let reserved = reservationSize == size && reservationAddress == address
            reservationSize = 0
            guard reserved else { return .success(1) }
            let stored: Bool
            if size == 4 {
                stored = p.assumingMemoryBound(to: Atomic<UInt32>.self).pointee.compareExchange(
                    expected: UInt32(truncatingIfNeeded: reservationValue), desired: UInt32(truncatingIfNeeded: value),
                    ordering: .acquiringAndReleasing).exchanged
            } else {
                stored = p.assumingMemoryBound(to: Atomic<UInt64>.self).pointee.compareExchange(
                    expected: reservationValue, desired: value, ordering: .acquiringAndReleasing).exchanged
            }
            if stored, let physical = target.codePhysical { invalidateCode(physical, size: size) }
            return .success(stored ? 0 : 1)
        }
    }

    /// An atomic read-modify-write; the old value (sign-extended for 4 bytes). On a device
    /// region it is a read then a write of the register (devices see no atomicity).
    @inline(never)
    func atomicReadModifyWrite(_ address: UInt64, size: UInt64, operation: AtomicOperation, operand: UInt64) -> Result<UInt64, GuestFault> {
        switch atomicTarget(address, size: size, isLoad: false) {
        case .failure(.storeAccess):
            let physical = translateData(address, access: .store) ?? address
            guard let region = bus.region(containing: physical), size &- 1 <= region.last &- physical else {
                return .failure(.storeAccess(address: address))
            }
            let offset = physical &- region.base
            var old = region.device.read(offset: offset, size: Int(size))
            if size == 4 { old = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: old))) }
            let new = Self.combine(operation, old, operand, signBit: size == 4 ? 31 : 63)
            region.device.write(offset: offset, size: Int(size), value: size == 4 ? new & 0xFFFF_FFFF : new)
            return .success(old)
        case .failure(let f): return .failure(f)
        case .success(let target):
            let p = target.host
            if let physical = target.codePhysical { invalidateCode(physical, size: size) }
            if size == 4 {
                let cell = p.assumingMemoryBound(to: Atomic<UInt32>.self)
                var old = cell.pointee.load(ordering: .relaxed)
                while true {
                    let new = UInt32(truncatingIfNeeded: Self.combine(
                        operation, UInt64(bitPattern: Int64(Int32(bitPattern: old))), operand, signBit: 31))
                    let (done, seen) = cell.pointee.compareExchange(expected: old, desired: new, ordering: .acquiringAndReleasing)
                    if done { break }
                    old = seen
                }
                return .success(UInt64(bitPattern: Int64(Int32(bitPattern: old))))
            }
            let cell = p.assumingMemoryBound(to: Atomic<UInt64>.self)
            var old = cell.pointee.load(ordering: .relaxed)
            while true {
                let new = Self.combine(operation, old, operand, signBit: 63)
                let (done, seen) = cell.pointee.compareExchange(expected: old, desired: new, ordering: .acquiringAndReleasing)
                if done { break }
                old = seen
            }
            return .success(old)
        }
    }

    /// The new memory value of an atomic operation. For 4-byte operations both inputs arrive
    /// sign-extended from bit 31, so signed and unsigned comparisons of the 64-bit values order
    /// the 32-bit values correctly.
    private static func combine(_ operation: AtomicOperation, _ old: UInt64, _ operand: UInt64, signBit: Int) -> UInt64 {
        let operand = signBit == 31 ? UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: operand))) : operand
        switch operation {
        case .swap: return operand
        case .add: return old &+ operand
        case .xor: return old ^ operand
        case .and: return old & operand
        case .or: return old | operand
        case .min: return Int64(bitPattern: old) < Int64(bitPattern: operand) ? old : operand
        case .max: return Int64(bitPattern: old) > Int64(bitPattern: operand) ? old : operand
        case .minUnsigned: return old < operand ? old : operand
        case .maxUnsigned: return old > operand ? old : operand
        }
    }
}
