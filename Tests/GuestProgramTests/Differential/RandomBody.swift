import Machine

/// The random instruction sequence of one differential test case (riscv64 assembly text).
///
/// The body runs with x31 holding the base of a 2 KiB scratch buffer and never writes x31 or
/// reads it as a data operand (its value differs between Linux user mode and bare metal);
/// every other integer register and all FP registers are fair game. Instructions cannot trap:
/// memory offsets stay inside the buffer, branches only go forward, and nothing reads the
/// program counter or a CSR other than fflags/frm.
struct RandomBody {
    static let bufferSize = 2048
    /// Rounding-mode operands: the five static modes and `dyn` (frm is only ever set to 0...4).
    static let roundingModes = ["rne", "rtz", "rdn", "rup", "rmm", "dyn"]

    var lines: [String] = []
    private var rng: SplitMix64
    private var labelCounter = 0
    /// Forward-branch labels not yet placed: (label, instructions still to emit before it).
    private var pendingLabels: [(name: String, remaining: Int)] = []
    private let prefix: String

    /// A body of `length` random instructions drawn from `seed`; labels carry `prefix`.
    init(seed: UInt64, length: Int, prefix: String) {
        rng = SplitMix64(seed: seed)
        self.prefix = prefix
        for _ in 0..<length { emitInstruction() }
        for label in pendingLabels { lines.append("\(label.name):") }
        pendingLabels.removeAll()
    }

    private mutating func random(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }
    private mutating func pick<T>(_ items: [T]) -> T { items[random(0..<items.count)] }
    private mutating func chance(_ percent: Int) -> Bool { random(0..<100) < percent }

    /// A destination integer register: x0 ... x30 (x0 rarely, to exercise discarded writes).
    private mutating func rd() -> String { chance(3) ? "x0" : "x\(random(1..<31))" }
    /// A source integer register: x0 ... x30.
    private mutating func rs() -> String { "x\(random(0..<31))" }
    private mutating func fr() -> String { "f\(random(0..<32))" }
    private mutating func rm() -> String { pick(Self.roundingModes) }

    private mutating func emit(_ line: String) {
        lines.append("    " + line)
        var index = 0
        while index < pendingLabels.count {
            pendingLabels[index].remaining -= 1
            if pendingLabels[index].remaining <= 0 {
                lines.append("\(pendingLabels[index].name):")
                pendingLabels.remove(at: index)
            } else {
                index += 1
            }
        }
    }

    private mutating func emitInstruction() {
        switch random(0..<100) {
        case 0..<22: emitIntegerRegister()
        case 22..<36: emitIntegerImmediate()
        case 36..<46: emitMulDiv()
        case 46..<58: emitMemory()
        case 58..<64: emitBranch()
        case 64..<80: emitFloatArithmetic()
        case 80..<92: emitFloatConversion()
        case 92..<97: emitFloatCompareAndMove()
        default: emitFloatControl()
        }
    }

    private mutating func emitIntegerRegister() {
        let op = pick(["add", "sub", "and", "or", "xor", "sll", "srl", "sra", "slt", "sltu",
                       "addw", "subw", "sllw", "srlw", "sraw"])
        emit("\(op) \(rd()), \(rs()), \(rs())")
    }

    private mutating func emitIntegerImmediate() {
        let immediate = random(-2048..<2048)
        switch random(0..<10) {
        case 0..<6:
            let op = pick(["addi", "andi", "ori", "xori", "slti", "sltiu", "addiw"])
            emit("\(op) \(rd()), \(rs()), \(immediate)")
        case 6..<8:
            let op = pick(["slli", "srli", "srai"])
            emit("\(op) \(rd()), \(rs()), \(random(0..<64))")
        case 8:
            let op = pick(["slliw", "srliw", "sraiw"])
            emit("\(op) \(rd()), \(rs()), \(random(0..<32))")
        default:
            emit("lui \(rd()), \(random(0..<(1 << 20)))")
        }
    }

    private mutating func emitMulDiv() {
        let op = pick(["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
                       "mulw", "divw", "divuw", "remw", "remuw"])
        // Division by zero and overflow must come up often, not once in 2^64.
        let divisor = chance(15) ? "x0" : rs()
        emit("\(op) \(rd()), \(rs()), \(divisor)")
    }

    private mutating func emitMemory() {
        let width = pick([1, 2, 4, 8])
        // Mostly naturally aligned; sometimes misaligned (RAM accesses must still work).
        var offset = random(0..<(Self.bufferSize - 8))
        if !chance(10) { offset &= ~(width - 1) }
        let isStore = chance(45)
        let isFloat = width >= 4 && chance(30)
        if isFloat {
            let op = (isStore ? "fs" : "fl") + (width == 4 ? "w" : "d")
            emit("\(op) \(fr()), \(offset)(x31)")
            return
        }
        if isStore {
            let op = ["sb", "sh", "sw", "sd"][[1, 2, 4, 8].firstIndex(of: width)!]
            emit("\(op) \(rs()), \(offset)(x31)")
        } else {
            let op: String
            switch width {
            case 1: op = pick(["lb", "lbu"])
            case 2: op = pick(["lh", "lhu"])
            case 4: op = pick(["lw", "lwu"])
            default: op = "ld"
            }
            emit("\(op) \(rd()), \(offset)(x31)")
        }
    }

    private mutating func emitBranch() {
        let op = pick(["beq", "bne", "blt", "bge", "bltu", "bgeu"])
        labelCounter += 1
        let label = "\(prefix)_\(labelCounter)"
        // Comparing a register with itself makes "always" and "never" taken branches common.
        let left = rs()
        let right = chance(20) ? left : rs()
        emit("\(op) \(left), \(right), \(label)")
        pendingLabels.append((label, random(1..<6)))
    }

    private mutating func emitFloatArithmetic() {
        let precision = pick(["s", "d"])
        switch random(0..<10) {
        case 0..<4:
            let op = pick(["fadd", "fsub", "fmul", "fdiv"])
            emit("\(op).\(precision) \(fr()), \(fr()), \(fr()), \(rm())")
        case 4:
            emit("fsqrt.\(precision) \(fr()), \(fr()), \(rm())")
        case 5..<7:
            let op = pick(["fmadd", "fmsub", "fnmadd", "fnmsub"])
            emit("\(op).\(precision) \(fr()), \(fr()), \(fr()), \(fr()), \(rm())")
        case 7..<9:
            let op = pick(["fmin", "fmax"])
            emit("\(op).\(precision) \(fr()), \(fr()), \(fr())")
        default:
            let op = pick(["fsgnj", "fsgnjn", "fsgnjx"])
            emit("\(op).\(precision) \(fr()), \(fr()), \(fr())")
        }
    }

    private mutating func emitFloatConversion() {
        let precision = pick(["s", "d"])
        let integer = pick(["w", "wu", "l", "lu"])
        switch random(0..<5) {
        case 0, 1:
            emit("fcvt.\(integer).\(precision) \(rd()), \(fr()), \(rm())")
        case 2:
            // Conversions that are always exact take no rounding mode in the assembler.
            let exact = precision == "d" && (integer == "w" || integer == "wu")
            emit("fcvt.\(precision).\(integer) \(fr()), \(rs())" + (exact ? "" : ", \(rm())"))
        case 3:
            emit("fcvt.s.d \(fr()), \(fr()), \(rm())")
        default:
            emit("fcvt.d.s \(fr()), \(fr())")
        }
    }

    private mutating func emitFloatCompareAndMove() {
        let precision = pick(["s", "d"])
        switch random(0..<6) {
        case 0, 1:
            let op = pick(["feq", "flt", "fle"])
            emit("\(op).\(precision) \(rd()), \(fr()), \(fr())")
        case 2:
            emit("fclass.\(precision) \(rd()), \(fr())")
        case 3:
            emit((precision == "s" ? "fmv.x.w" : "fmv.x.d") + " \(rd()), \(fr())")
        default:
            emit((precision == "s" ? "fmv.w.x" : "fmv.d.x") + " \(fr()), \(rs())")
        }
    }

    private mutating func emitFloatControl() {
        switch random(0..<3) {
        case 0: emit("csrr \(rd()), fflags")
        case 1: emit("fsrmi \(rd()), \(random(0..<5))")
        default: emit("csrrci \(rd()), fflags, \(random(0..<32))")
        }
    }
}
