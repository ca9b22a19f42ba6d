/// How the interpreter left translated code, for the exec loop.
enum BlockExit {
    /// A direct transfer from the block at `from` to `target`; `site` is the op to chain once the
    /// target is translated, or -1 when it is already chained (an exit request stopped the chain).
    case jump(target: UInt64, site: Int, from: UInt64)
    /// An indirect transfer (or an exit to the loop) to `target`.
    case indirect(target: UInt64)
    /// The op at `pc` faulted; it did not retire.
    case fault(GuestFault, pc: UInt64)
    /// The `helper` op at index `op` of the block starting at `blockPC` wants its helper run.
    case helper(op: Int, blockPC: UInt64)
    /// Execution reached a block that was invalidated; translate `pc` again.
    case invalidated(pc: UInt64)
}

/// The interpreter tier: runs pre-decoded IR from the flat op buffer with the guest state,
/// TLB and op buffer held in locals. One `switch` dispatch per op; no allocation, reference
/// counting, existential or closure on the way. Direct transfers follow chain links without
/// leaving the loop while no exit is requested; everything rare is out of line.
extension CPUContext {
    // swiftlint:disable:next function_body_length cyclomatic_complexity
    func interpret(at start: Int, blockPC: UInt64) -> BlockExit {
        let r = state
        let ops = cache.ops
        let tlb = self.tlb
        var i = start
        var pc = blockPC
        while true {
            let op = ops[i]
            let d = Int(op.d), a = Int(op.a), b = Int(op.b)
            let imm = UInt64(bitPattern: op.imm)
            if op.code.rawValue < IROpcode.load8.rawValue {
                r[d] = Self.compute(op.code, r[a], r[b], imm, c: op.c)
                i &+= 1
                continue
            }
            switch op.code {
            case .load8, .load8Unsigned, .load16, .load16Unsigned, .load32, .load32Unsigned, .load64:
                let address = r[a] &+ imm
                let size = Self.accessSize(op.code)
                let e = tlb[TLBGeometry.index(address)]
                var raw: UInt64
                if e.readTag == TLBGeometry.tag(address, size: size) {
                    let p = UnsafeRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)).unsafelyUnwrapped
                    switch size {
                    case 1: raw = UInt64(p.load(as: UInt8.self))
                    case 2: raw = UInt64(p.load(as: UInt16.self))
                    case 4: raw = UInt64(p.load(as: UInt32.self))
                    default: raw = p.load(as: UInt64.self)
                    }
                } else if let v = loadSlow(address, size: size) {
                    raw = v
                } else {
                    retired &+= UInt64(op.retired) &- 1
                    return .fault(.loadAccess(address: address), pc: pc &+ UInt64(op.pcOffset))
                }
                switch op.code {
                case .load8: raw = UInt64(bitPattern: Int64(Int8(truncatingIfNeeded: raw)))
                case .load16: raw = UInt64(bitPattern: Int64(Int16(truncatingIfNeeded: raw)))
                case .load32: raw = UInt64(bitPattern: Int64(Int32(truncatingIfNeeded: raw)))
                default: break
                }
                r[d] = raw
                i &+= 1

            case .store8, .store16, .store32, .store64:
                let address = r[a] &+ imm
                let size = Self.accessSize(op.code)
                let value = r[b]
                let e = tlb[TLBGeometry.index(address)]
                if e.writeTag == TLBGeometry.tag(address, size: size) {
                    let p = UnsafeMutableRawPointer(bitPattern: e.addend &+ UInt(truncatingIfNeeded: address)).unsafelyUnwrapped
                    switch size {
                    case 1: p.storeBytes(of: UInt8(truncatingIfNeeded: value), as: UInt8.self)
                    case 2: p.storeBytes(of: UInt16(truncatingIfNeeded: value), as: UInt16.self)
                    case 4: p.storeBytes(of: UInt32(truncatingIfNeeded: value), as: UInt32.self)
                    default: p.storeBytes(of: value, as: UInt64.self)
                    }
                } else if !storeSlow(address, size: size, value: value) {
                    retired &+= UInt64(op.retired) &- 1
                    return .fault(.storeAccess(address: address), pc: pc &+ UInt64(op.pcOffset))
                }
                i &+= 1

            case .loadReserved32, .loadReserved64, .storeConditional32, .storeConditional64, .atomic32, .atomic64:
                let result = atomic(op, address: r[a], operand: r[b])
                switch result {
                case .success(let v): r[d] = v
                case .failure(let f):
                    retired &+= UInt64(op.retired) &- 1
                    return .fault(f, pc: pc &+ UInt64(op.pcOffset))
                }
                i &+= 1

            case .branchEqual, .branchNotEqual, .branchLess, .branchGreaterEqual, .branchLessUnsigned,
                 .branchGreaterEqualUnsigned, .jump:
                let x = r[a], y = r[b]
                let taken: Bool
                switch op.code {
                case .branchEqual: taken = x == y
                case .branchNotEqual: taken = x != y
                case .branchLess: taken = Int64(bitPattern: x) < Int64(bitPattern: y)
                case .branchGreaterEqual: taken = Int64(bitPattern: x) >= Int64(bitPattern: y)
                case .branchLessUnsigned: taken = x < y
                case .branchGreaterEqualUnsigned: taken = x >= y
                default: taken = true
                }
                guard taken else {
                    i &+= 1
                    continue
                }
                retired &+= UInt64(op.retired)
                let target = pc &+ UInt64(bitPattern: op.targetOffset)
                let link = op.link
                guard link != 0, exitFlags.load(ordering: .relaxed) == 0 else {
                    return .jump(target: target, site: link == 0 ? i : -1, from: pc)
                }
                i = Int(link) &- 1
                pc = target

            case .jumpIndirect:
                retired &+= UInt64(op.retired)
                return .indirect(target: (r[a] &+ imm) & ~1)

            case .exitToLoop:
                retired &+= UInt64(op.retired)
                return .indirect(target: pc &+ imm)

            case .raise:
                retired &+= UInt64(op.retired) &- 1
                let at = pc &+ UInt64(op.pcOffset)
                let value: UInt64 = switch op.c {
                case 1: imm >> 32
                case 2: at
                case 3: at &+ 2
                default: 0
                }
                return .fault(.raised(cause: UInt32(truncatingIfNeeded: imm), value: value), pc: at)

            case .helper:
                return .helper(op: i, blockPC: pc)

            case .invalidated:
                return .invalidated(pc: imm)

            default:
                preconditionFailure("IR op \(op.code) reached the memory/control dispatch")
            }
        }
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
    private func atomic(_ op: IROp, address: UInt64, operand: UInt64) -> Result<UInt64, GuestFault> {
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
