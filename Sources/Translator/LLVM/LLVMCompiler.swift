import CLLVM
import Foundation
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

/// One ORC LLJIT instance (LLVM 14 C API) that turns `RegionRequest`s into machine code. Each
/// region is its own module in its own `ThreadSafeContext` and has its own `ResourceTracker`,
/// so regions compile on any thread and are freed one by one. Calls are serialised by a lock
/// (compiles happen on one background thread). A removal that finds the lock taken by a compile
/// is deferred to the next compile instead of stalling the vCPU for the code generation.
final class LLVMCompiler: @unchecked Sendable {
    private let jit: LLVMOrcLLJITRef
    private let lock = Mutex<Void>(())
    /// Resource trackers whose removal found a compile running (raw `LLVMOrcResourceTrackerRef`s).
    private let deferredRemovals = Mutex<[UInt]>([])
    /// The IR pass pipeline run before code generation: promotes the slot allocas to SSA values
    /// and folds the rest. Code generation dominates compile time, so heavier IR passes (GVN)
    /// bought no measurable speed on the compute benchmark.
    static let passes = "function(sroa,early-cse,instcombine,simplifycfg)"
    /// Code generation at -O1: about as fast code as -O2 here for less compile time; -O0
    /// compiles 4x faster but its code ran the compute benchmark 2-3x slower.
    static let codeGenLevel = LLVMCodeGenLevelLess
    /// LLVM code generator options (process-wide, set once; `XEMU_LLVM_OPTIONS` appends more for
    /// experiments). Code generation is ~85% of a compile; region functions are small and
    /// straight, so FastISel, the basic register allocator and no machine scheduling, LICM or
    /// sinking cut its CPU time by about a third with no measurable loss on the compute benchmark.
    static let codeGenOptions = ["-fast-isel", "-regalloc=basic", "-enable-misched=false",
                                 "-disable-machine-licm", "-disable-machine-sink"]

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

    init() throws(JITError) {
        if let failure = Self.nativeTarget { throw .noNativeTarget(failure) }
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
        guard let machine = LLVMCreateTargetMachine(target, triple, cpuName, features, Self.codeGenLevel,
                                                    LLVMRelocDefault, LLVMCodeModelJITDefault) else {
            throw .jitCreation("LLVMCreateTargetMachine failed")
        }
        let targetBuilder = LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(machine)
        let builder = LLVMOrcCreateLLJITBuilder()
        LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(builder, targetBuilder)
        var jit: LLVMOrcLLJITRef?
        if let error = LLVMOrcCreateLLJIT(&jit, builder) { throw .jitCreation(Self.consume(error)) }
        guard let jit else { throw .jitCreation("LLVMOrcCreateLLJIT returned no instance") }
        self.jit = jit
    }

    deinit {
        for tracker in deferredRemovals.withLock({ $0 }) { Self.free(LLVMOrcResourceTrackerRef(bitPattern: tracker)!) }
        _ = LLVMOrcDisposeLLJIT(jit)
    }

    /// Compiles `request`, timing the whole compile and its code generation part.
    func timedCompile(_ request: RegionRequest) -> CompileWorker.Finished {
        let start = ContinuousClock.now, cpuStart = Self.threadCPUNanoseconds()
        var codeGenStart = start
        let result = Result { () throws(JITError) in try compile(request, codeGenStart: &codeGenStart) }
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

    /// Lowers, optimises and compiles `request`; `codeGenStart` is set when code generation starts.
    func compile(_ request: RegionRequest, codeGenStart: inout ContinuousClock.Instant) throws(JITError) -> CompiledCode {
        let threadSafeContext = LLVMOrcCreateNewThreadSafeContext()
        defer { LLVMOrcDisposeThreadSafeContext(threadSafeContext) }
        let context = LLVMOrcThreadSafeContextGetContext(threadSafeContext)!
        let name = request.symbol
        let module = LLVMModuleCreateWithNameInContext(name, context)!
        do {
            var lowering = RegionLowering(module: module, context: context, name: name, blocks: request.blocks,
                                          chainSlots: request.chainSlots, indirect: request.indirect)
            lowering.lower(request.blocks)
        }
        var message: UnsafeMutablePointer<CChar>?
        if LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0 {
            let text = message.map { String(cString: $0) } ?? "invalid module"
            LLVMDisposeMessage(message)
            LLVMDisposeModule(module)
            throw .compilation("region \(String(request.blocks[0].pc, radix: 16)): \(text)")
        }
        LLVMDisposeMessage(message)
        let options = LLVMCreatePassBuilderOptions()
        defer { LLVMDisposePassBuilderOptions(options) }
        if let error = LLVMRunPasses(module, Self.passes, nil, options) {
            LLVMDisposeModule(module)
            throw .compilation(Self.consume(error))
        }
        let threadSafeModule = LLVMOrcCreateNewThreadSafeModule(module, threadSafeContext)
        codeGenStart = .now
        return try lock.withLock { _ throws(JITError) -> CompiledCode in
            for tracker in deferredRemovals.withLock({ list in defer { list.removeAll() }; return list }) {
                Self.free(LLVMOrcResourceTrackerRef(bitPattern: tracker)!)
            }
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
