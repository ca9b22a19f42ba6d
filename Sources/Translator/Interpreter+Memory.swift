/// The interpreter's memory ops: the inline SoftMMU hit path for loads and stores (one TLB
/// probe, then an access through the cached host pointer); misses, faults and the atomic ops
/// run from the exec loop.
extension CPUContext {
    /// A load of a `T`-sized value at `address`, zero-extended, when the TLB hits; nil on a miss.
    @inline(__always)
    func load<T: FixedWidthInteger & UnsignedInteger>(_ tlb: UnsafeMutablePointer<TLBEntry>, _ address: UInt64,
                                                      as: T.Type) -> UInt64? {
        let size = UInt64(MemoryLayout<T>.size)
        let e = tlb[TLBGeometry.index(address)]
        if _fastPath(e.readTag == TLBGeometry.tag(address, size: size)) {
            return UInt64(UnsafeRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)).unsafelyUnwrapped.load(as: T.self))
        }
        return nil
    }

    /// Stores the low `T`-sized bits of `value` at `address` when the TLB hits; false on a miss.
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
        return false
    }

    /// Performs the memory op `op` that left the interpreter (a TLB miss, a device access, a
    /// store to a code page, or an atomic) and writes its result slot; its fault if it faults,
    /// in which case it did not retire. Out of line, so the interpreter loop makes no calls and
    /// keeps its cursor, count and PC in registers.
    @inline(never)
    func performMemory(_ op: IROp) -> GuestFault? {
        let r = state
        let address = r[Int(op.a)] &+ UInt64(bitPattern: op.imm)
        let size = Self.accessSize(op.code)
        switch op.code {
        case .load8, .load8Unsigned, .load16, .load16Unsigned, .load32, .load32Unsigned, .load64:
            guard let v = loadSlow(address, size: size) else { return slowFault }
            r[Int(op.d)] = switch op.code {
            case .load8: UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: v)))
            case .load16: UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: v)))
            case .load32: UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: v)))
            default: v
            }
        case .store8, .store16, .store32, .store64:
            guard storeSlow(address, size: size, value: r[Int(op.b)]) else { return slowFault }
        default:
            switch atomic(op, address: r[Int(op.a)], operand: r[Int(op.b)]) {
            case .success(let v): r[Int(op.d)] = v
            case .failure(let f): return f
            }
        }
        return nil
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
