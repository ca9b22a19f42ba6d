/// The interpreter's memory ops: the inline SoftMMU hit path for loads and stores (one TLB
/// probe, then an access through the cached host pointer), with misses, faults and the atomic
/// ops out of line.
extension CPUContext {
    /// A load of a `T`-sized value at `address`, zero-extended: through the TLB on a hit, else
    /// the slow path (whose device reads come back as the device answered, unmasked, as the IR
    /// has always passed them); nil when it faults (the fault is in `slowFault`).
    @inline(__always)
    func load<T: FixedWidthInteger & UnsignedInteger>(_ tlb: UnsafeMutablePointer<TLBEntry>, _ address: UInt64,
                                                      as: T.Type) -> UInt64? {
        let size = UInt64(MemoryLayout<T>.size)
        let e = tlb[TLBGeometry.index(address)]
        if _fastPath(e.readTag == TLBGeometry.tag(address, size: size)) {
            return UInt64(UnsafeRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)).unsafelyUnwrapped.load(as: T.self))
        }
        return loadSlow(address, size: size)
    }

    /// A store of the low `T`-sized bits of `value` at `address`: through the TLB on a hit, else
    /// the slow path (devices receive the whole `value`); false when it faults (the fault is in
    /// `slowFault`).
    @inline(__always)
    func store<T: FixedWidthInteger & UnsignedInteger>(_ tlb: UnsafeMutablePointer<TLBEntry>, _ address: UInt64,
                                                       _ value: UInt64, as: T.Type) -> Bool {
        let size = UInt64(MemoryLayout<T>.size)
        let e = tlb[TLBGeometry.index(address)]
        if _fastPath(e.writeTag == TLBGeometry.tag(address, size: size)) {
            UnsafeMutableRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)).unsafelyUnwrapped
                .storeBytes(of: T(truncatingIfNeeded: value), as: T.self)
            return true
        }
        return storeSlow(address, size: size, value: value)
    }

    /// Leaves for the exec loop with the fault of the memory op `op`, which did not retire.
    @inline(never)
    func memoryFault(_ op: IROp, _ count: inout UInt64, _ blockPC: UInt64) -> BlockExit {
        count &+= UInt64(op.retired) &- 1
        return .fault(slowFault, pc: blockPC &+ UInt64(op.pcOffset))
    }

    @inline(__always)
    static func accessSize(_ code: IROpcode) -> UInt64 {
        switch code {
        case .load8, .load8Unsigned, .store8: 1
        case .load16, .load16Unsigned, .store16: 2
        case .load32, .load32Unsigned, .store32, .loadReserved32, .storeConditional32, .atomic32: 4
        default: 8
        }
    }

    @inline(never)
    func atomic(_ op: IROp, address: UInt64, operand: UInt64) -> Result<UInt64, GuestFault> {
        let size = Self.accessSize(op.code)
        switch op.code {
        case .loadReserved32, .loadReserved64:
            return loadReserved(address, size: size)
        case .storeConditional32, .storeConditional64:
            return storeConditional(address, size: size, value: operand)
        default:
            guard let operation = AtomicOperation(rawValue: op.c) else { preconditionFailure("atomic op with operation \(op.c)") }
            return atomicReadModifyWrite(address, size: size, operation: operation, operand: operand)
        }
    }
}
