import CLLVM
import Foundation
import Machine
import Synchronization

/// Why the LLVM tier could not start or compile.
public enum JITError: Error, Equatable, Sendable {
    /// LLVM has no code generator for this host; run with --jit interp.
    case noNativeTarget(String)
    /// ORC LLJIT could not be created; run with --jit interp.
    case jitCreation(String)
    /// A region failed to compile (an xemu bug; the region stays interpreted).
    case compilation(String)
}

/// A compiled region's machine code: its entry point and the ORC resource tracker that owns it.
struct CompiledCode: @unchecked Sendable {
    let function: CompiledRegionFunction
    let tracker: LLVMOrcResourceTrackerRef
}

typealias CompileTier = JITConfiguration.CompileTier

/// Two ORC LLJIT instances (LLVM 14 C API), one per `CompileTier`, that turn `RegionRequest`s
/// into machine code. Each region is its own module in its own `ThreadSafeContext` and has its
/// own `ResourceTracker`, so regions compile on any thread and are freed one by one. Calls are
/// serialised by a lock (compiles happen on one background thread). A removal that finds the
/// lock taken by a compile is deferred to the next compile instead of stalling the vCPU for the
/// code generation.
final class LLVMCompiler: @unchecked Sendable {
    /// Whether each lowered module goes through LLVM's verifier before the passes. `--jit llvm`
    /// (the differential tests) verifies every region; `auto` skips it: the verifier cost about
    /// 3% of a quick compile, and the regions it would check are the ones the tests lower.
    let verifiesModules: Bool
    /// The -O0 and -O1 code generators (`codeGenLevel(_:backlogged:)`).
    private let quickJIT: LLVMOrcLLJITRef
    private let optimizedJIT: LLVMOrcLLJITRef
    private let lock = Mutex<Void>(())
    /// Resource trackers whose removal found a compile running (raw `LLVMOrcResourceTrackerRef`s).
    private let deferredRemovals = Mutex<[UInt]>([])

    /// The IR pass pipeline run before code generation. Both tiers promote the slot allocas to
    /// SSA values and drop redundant state loads; instcombine costs as much as the quick tier's
    /// whole code generation, so only the optimised tier runs it. Heavier IR passes (GVN)
    /// bought no measurable speed on the compute benchmark. The promotion is mem2reg, not
    /// SROA: every slot is one i64 loaded and stored whole, so SROA's slicing finds nothing to
    /// split and cost more than the promotion itself (SROA was 5.6% of the compile thread).
    static func passes(_ tier: CompileTier) -> String {
        switch tier {
        case .quick: "function(mem2reg,early-cse,simplifycfg)"
        case .optimized: "function(mem2reg,early-cse,instcombine,simplifycfg)"
        }
    }

    /// Code generation: -O1, except for a quick region compiled while the queue is backed up
    /// (`backlogged`), which gets -O0 (FastISel with the fast register allocator, which spills
    /// every value live across a block). -O0 costs about two thirds of -O1's CPU, but its code
    /// ran so much slower that a kernel boot with the compile thread on its own core spent more
    /// on it than the cheaper compiles saved: with -O1 quick code and no optimised recompiles
    /// the boot took 2.86-2.95 s against 3.03-3.15 s (5 interleaved runs each), though it
    /// interpreted more (610 M guest instructions against 445 M) and compiled for 2.5 s of CPU
    /// against 1.7 s. On a loaded host, where the compile thread (nice 10) gets a fraction of a
    /// core, -O1 alone left a third more of the boot interpreted (1.25-1.48 G guest
    /// instructions against 0.85-1.06 G): a backed-up queue is the sign, and then more regions
    /// at -O0 beat fewer at -O1 (with -O0 from 12 waiting requests the loaded boot interpreted
    /// 0.93-1.09 G; from 4, the quiet-host gain was lost). -O1 ran the compute benchmark about
    /// 1.5x faster than -O0 and about as fast as -O2.
    static func codeGenLevel(_ tier: CompileTier, backlogged: Bool) -> LLVMCodeGenOptLevel {
        tier == .quick && backlogged ? LLVMCodeGenLevelNone : LLVMCodeGenLevelLess
    }

    /// LLVM code generator options (process-wide, set once, so they must suit both levels;
    /// `XEMU_LLVM_OPTIONS` appends more for experiments). Region functions are small and
    /// straight, so FastISel and no machine scheduling, LICM or sinking cut the -O1 compile's
    /// CPU time with no measurable loss on the compute benchmark. (SelectionDAG instruction
    /// selection at -O1 emitted 11% fewer instructions for the compute benchmark's regions but
    /// cost 35% more compile, which the kernel boot and a loaded host pay for in wall time.
    /// `-regalloc=basic` made no measurable difference to the boot at -O1.) Loop strength reduction only rewrote the region loops'
    /// retired-instruction counter into a worse induction variable (an extra `lea` on every back
    /// edge, more spills): without it the compute benchmark's compiled code ran 14% fewer
    /// instructions and the -O1 compiles took 12% less.
    static let codeGenOptions = ["-fast-isel", "-enable-misched=false", "-disable-machine-licm", "-disable-machine-sink",
                                 "-disable-lsr"]

    private static let nativeTarget: String? = {
        if LLVMInitializeNativeTarget() != 0 { return "LLVMInitializeNativeTarget failed" }
        if LLVMInitializeNativeAsmPrinter() != 0 { return "LLVMInitializeNativeAsmPrinter failed" }
        var words = ["xemu"] + codeGenOptions
        if let extra = ProcessInfo.processInfo.environment["XEMU_LLVM_OPTIONS"] {
            words += extra.split(separator: " ").map(String.init)
        }
        // LLVM keeps the option strings; they live as long as the process.
        var pointers = words.map { UnsafePointer(strdup($0)) }
        LLVMParseCommandLineOptions(Int32(pointers.count), &pointers, nil)
        return nil
    }()

    init(verifiesModules: Bool = true) throws(JITError) {
        if let failure = Self.nativeTarget { throw .noNativeTarget(failure) }
        self.verifiesModules = verifiesModules || Self.dumpDirectory != nil
        quickJIT = try Self.makeJIT(level: Self.codeGenLevel(.quick, backlogged: true))
        do {
            optimizedJIT = try Self.makeJIT(level: Self.codeGenLevel(.optimized, backlogged: false))
        } catch {
            _ = LLVMOrcDisposeLLJIT(quickJIT)
            throw error
        }
    }

    private static func makeJIT(level: LLVMCodeGenOptLevel) throws(JITError) -> LLVMOrcLLJITRef {
        let triple = LLVMGetDefaultTargetTriple()
        defer { LLVMDisposeMessage(triple) }
        var target: LLVMTargetRef?
        var message: UnsafeMutablePointer<CChar>?
        guard LLVMGetTargetFromTriple(triple, &target, &message) == 0, let target else {
            let text = message.map { String(cString: $0) } ?? "no target"
            LLVMDisposeMessage(message)
            throw .noNativeTarget(text)
        }
        let cpuName = LLVMGetHostCPUName(), features = LLVMGetHostCPUFeatures()
        defer {
            LLVMDisposeMessage(cpuName)
            LLVMDisposeMessage(features)
        }
        guard let machine = LLVMCreateTargetMachine(target, triple, cpuName, features, level,
                                                    LLVMRelocDefault, LLVMCodeModelJITDefault) else {
            throw .jitCreation("LLVMCreateTargetMachine failed")
        }
        let targetBuilder = LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(machine)
        let builder = LLVMOrcCreateLLJITBuilder()
        LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, targetBuilder)
        var jit: LLVMOrcLLJITRef?
        if let error = LLVMOrcCreateLLJIT(&jit, builder) { throw .jitCreation(Self.consume(error)) }
        guard let jit else { throw .jitCreation("LLVMOrcCreateLLJIT returned no instance") }
        return jit
    }

    deinit {
        for tracker in deferredRemovals.withLock({ $0 }) { Self.free(LLVMOrcResourceTrackerRef(bitPattern: tracker)!) }
        _ = LLVMOrcDisposeLLJIT(quickJIT)
        _ = LLVMOrcDisposeLLJIT(optimizedJIT)
    }

    /// Compiles `request`, timing the whole compile and its code generation part.
    func timedCompile(_ request: RegionRequest, backlogged: Bool = false) -> CompileWorker.Finished {
        let start = ContinuousClock.now, cpuStart = Self.threadCPUNanoseconds()
        var codeGenStart = start
        let result = Result { () throws(JITError) in try compile(request, backlogged: backlogged, codeGenStart: &codeGenStart) }
        let end = ContinuousClock.now
        return CompileWorker.Finished(request: request, result: result, nanoseconds: JITTier.nanoseconds(end - start),
                                      codeGenNanoseconds: JITTier.nanoseconds(end - codeGenStart),
                                      cpuNanoseconds: Self.threadCPUNanoseconds() &- cpuStart)
    }

    /// CPU time of the calling thread (a compile's wall time also counts waiting for a core).
    static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Lowers, optimises and compiles `request` (at the code generation level
    /// `codeGenLevel(_:backlogged:)` picks); `codeGenStart` is set when code generation starts.
    func compile(_ request: RegionRequest, backlogged: Bool = false,
                 codeGenStart: inout ContinuousClock.Instant) throws(JITError) -> CompiledCode {
        let threadSafeContext = LLVMOrcCreateNewThreadSafeContext()
        defer { LLVMOrcDisposeThreadSafeContext(threadSafeContext) }
        let context = LLVMOrcThreadSafeContextGetContext(threadSafeContext)!
        // Value and block names only serve the IR dump; naming cost about 2% of a quick compile.
        LLVMContextSetDiscardValueNames(context, Self.dumpDirectory == nil ? 1 : 0)
        let name = request.symbol
        let module = LLVMModuleCreateWithNameInContext(name, context)!
        do {
            var lowering = RegionLowering(module: module, context: context, name: name, blocks: request.blocks,
                                          chainSlots: request.chainSlots, indirect: request.indirect, heat: request.heat,
                                          directRAM: request.directRAM)
            lowering.lower(request.blocks)
        }
        if verifiesModules {
            var message: UnsafeMutablePointer<CChar>?
            if LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0 {
                let text = message.map { String(cString: $0) } ?? "invalid module"
                LLVMDisposeMessage(message)
                LLVMDisposeModule(module)
                throw .compilation("region \(String(request.blocks[0].pc, radix: 16)): \(text)")
            }
            LLVMDisposeMessage(message)
        }
        let options = LLVMCreatePassBuilderOptions()
        defer { LLVMDisposePassBuilderOptions(options) }
        if let error = LLVMRunPasses(module, Self.passes(request.tier), nil, options) {
            LLVMDisposeModule(module)
            throw .compilation(Self.consume(error))
        }
        if request.tier == .optimized { Self.restoreSignExtensions(in: module) }
        if let directory = Self.dumpDirectory { LLVMPrintModuleToFile(module, "\(directory)/\(name).ll", nil) }
        let threadSafeModule = LLVMOrcCreateNewThreadSafeModule(module, threadSafeContext)
        codeGenStart = .now
        let code = try lock.withLock { _ throws(JITError) -> CompiledCode in
            for tracker in deferredRemovals.withLock({ list in defer { list.removeAll() }; return list }) {
                Self.free(LLVMOrcResourceTrackerRef(bitPattern: tracker)!)
            }
            let jit = Self.codeGenLevel(request.tier, backlogged: backlogged) == LLVMCodeGenLevelNone ? quickJIT : optimizedJIT
            let dylib = LLVMOrcLLJITGetMainJITDylib(jit)
            let tracker = LLVMOrcJITDylibCreateResourceTracker(dylib)!
            if let error = LLVMOrcLLJITAddLLVMIRModuleWithRT(jit, tracker, threadSafeModule) {
                LLVMOrcReleaseResourceTracker(tracker)
                throw .compilation(Self.consume(error))
            }
            var address: LLVMOrcExecutorAddress = 0
            if let error = LLVMOrcLLJITLookup(jit, &address, name) {
                _ = LLVMOrcResourceTrackerRemove(tracker)
                LLVMOrcReleaseResourceTracker(tracker)
                throw .compilation(Self.consume(error))
            }
            guard let pointer = UnsafeRawPointer(bitPattern: UInt(address)) else {
                throw .compilation("lookup of \(name) returned null")
            }
            return CompiledCode(function: unsafeBitCast(pointer, to: CompiledRegionFunction.self), tracker: tracker)
        }
        if let directory = Self.dumpDirectory { Self.noteDumped(request, code: code, in: directory) }
        return code
    }

    /// Frees a region's machine code (now, or at the next compile if one is running); nothing
    /// may execute it any more.
    func remove(_ code: CompiledCode) {
        let freed: Bool? = lock.withLockIfAvailable { _ in
            Self.free(code.tracker)
            return true
        }
        if freed == nil { deferredRemovals.withLock { $0.append(UInt(bitPattern: code.tracker)) } }
    }

    private static func free(_ tracker: LLVMOrcResourceTrackerRef) {
        if let error = LLVMOrcResourceTrackerRemove(tracker) { LLVMConsumeError(error) }
        LLVMOrcReleaseResourceTracker(tracker)
    }

    private static func consume(_ error: LLVMErrorRef) -> String {
        let message = LLVMGetErrorMessage(error)
        defer { LLVMDisposeErrorMessage(message) }
        return message.map { String(cString: $0) } ?? "unknown LLVM error"
    }
}
