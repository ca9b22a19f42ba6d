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
/// into machine code. Each compile (one region, or a batch of quick ones) is one module in its
/// own `ThreadSafeContext` with its own `ResourceTracker`, so regions compile on any thread and
/// are freed one by one (a batch's code with its last region). Calls are serialised by a lock
/// (compiles happen on one background thread). A removal that finds the lock taken by a
/// compile is deferred to the next compile instead of stalling the vCPU for the code generation.
final class LLVMCompiler: @unchecked Sendable {
    /// Whether each lowered module goes through LLVM's verifier before the passes. `--jit llvm`
    /// (the differential tests) verifies every region; `auto` skips it: the verifier cost about
    /// 3% of a quick compile, and the regions it would check are the ones the tests lower.
    let verifiesModules: Bool
    private let quickJIT: LLVMOrcLLJITRef
    private let optimizedJIT: LLVMOrcLLJITRef
    /// Serialises the JITs; holds how many regions still use each resource tracker shared by a
    /// batch (raw `LLVMOrcResourceTrackerRef`s; a tracker of one region is not listed).
    private let lock = Mutex<[UInt: Int]>([:])
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

    /// Code generation: the quick tier at -O0 (FastISel, the fast register allocator; about 4x
    /// less CPU than -O1 on boot regions), the optimised tier at -O1, which ran the compute
    /// benchmark about 1.5x faster than -O0 code and about as fast as -O2.
    static func codeGenLevel(_ tier: CompileTier) -> LLVMCodeGenOptLevel {
        switch tier {
        case .quick: LLVMCodeGenLevelNone
        case .optimized: LLVMCodeGenLevelLess
        }
    }

    /// LLVM code generator options (process-wide, set once, so they must suit both levels;
    /// `XEMU_LLVM_OPTIONS` appends more for experiments). Region functions are small and
    /// straight, so FastISel and no machine scheduling, LICM or sinking cut the -O1 compile's
    /// CPU time with no measurable loss on the compute benchmark. (SelectionDAG instruction
    /// selection at -O1 emitted 11% fewer instructions for the compute benchmark's regions but
    /// cost 35% more compile, which the kernel boot and a loaded host pay for in wall time.
    /// `-regalloc=basic` would be cheaper still at -O1, but -O0 code generation refuses any
    /// allocator but the fast one.) Loop strength reduction only rewrote the region loops'
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
        quickJIT = try Self.makeJIT(level: Self.codeGenLevel(.quick))
        do {
            optimizedJIT = try Self.makeJIT(level: Self.codeGenLevel(.optimized))
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
        lock.withLock { batchUsers in
            for tracker in deferredRemovals.withLock({ $0 }) {
                Self.release(LLVMOrcResourceTrackerRef(bitPattern: tracker)!, batchUsers: &batchUsers)
            }
        }
        _ = LLVMOrcDisposeLLJIT(quickJIT)
        _ = LLVMOrcDisposeLLJIT(optimizedJIT)
    }

    /// Compiles `request`, timing the whole compile and its code generation part.
    func timedCompile(_ request: RegionRequest) -> CompileWorker.Finished {
        timedCompile([request])[0]
    }

    /// Compiles `batch` as one module (`compile(_:codeGenStart:)`). Each request's figures are
    /// an equal share of the batch's, so totals over requests stay the compile thread's totals.
    func timedCompile(_ batch: [RegionRequest]) -> [CompileWorker.Finished] {
        let start = ContinuousClock.now, cpuStart = Self.threadCPUNanoseconds()
        var codeGenStart = start
        let results: [Result<CompiledCode, JITError>]
        do {
            results = try compile(batch, codeGenStart: &codeGenStart).map { .success($0) }
        } catch {
            results = Array(repeating: .failure(error), count: batch.count)
        }
        let end = ContinuousClock.now
        let share = UInt64(batch.count)
        let nanoseconds = JITTier.nanoseconds(end - start) / share
        let codeGenNanoseconds = JITTier.nanoseconds(end - codeGenStart) / share
        let cpuNanoseconds = (Self.threadCPUNanoseconds() &- cpuStart) / share
        return zip(batch, results).map { request, result in
            CompileWorker.Finished(request: request, result: result, nanoseconds: nanoseconds,
                                   codeGenNanoseconds: codeGenNanoseconds, cpuNanoseconds: cpuNanoseconds)
        }
    }

    /// CPU time of the calling thread (a compile's wall time also counts waiting for a core).
    static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// Lowers, optimises and compiles the requests of `batch` (all of one tier) as one module
    /// with one function each, added to the JIT under one resource tracker; `codeGenStart` is
    /// set when code generation starts. Part of a quick compile is what every module costs
    /// whatever its size (context, pass pipelines, object emission, linking): the code generation
    /// and linking of a kernel boot's quick regions took 1.37 ms a region one by one and 1.12 ms
    /// in batches of 4 (thread CPU time). The tracker is freed once every region of the batch
    /// is removed (`remove(_:)`).
    func compile(_ batch: [RegionRequest], codeGenStart: inout ContinuousClock.Instant) throws(JITError) -> [CompiledCode] {
        precondition(!batch.isEmpty && batch.allSatisfy { $0.tier == batch[0].tier }, "a batch of one tier")
        let tier = batch[0].tier
        let threadSafeContext = LLVMOrcCreateNewThreadSafeContext()
        defer { LLVMOrcDisposeThreadSafeContext(threadSafeContext) }
        let context = LLVMOrcThreadSafeContextGetContext(threadSafeContext)!
        // Value and block names only serve the IR dump; naming cost about 2% of a quick compile.
        LLVMContextSetDiscardValueNames(context, Self.dumpDirectory == nil ? 1 : 0)
        let moduleName = batch[0].symbol
        let module = LLVMModuleCreateWithNameInContext(moduleName, context)!
        for request in batch {
            var lowering = RegionLowering(module: module, context: context, name: request.symbol, blocks: request.blocks,
                                          chainSlots: request.chainSlots, indirect: request.indirect, heat: request.heat,
                                          directRAM: request.directRAM, zeroSlot: request.zeroSlot)
            lowering.lower(request.blocks)
        }
        if verifiesModules {
            var message: UnsafeMutablePointer<CChar>?
            if LLVMVerifyModule(module, LLVMReturnStatusAction, &message) != 0 {
                let text = message.map { String(cString: $0) } ?? "invalid module"
                LLVMDisposeMessage(message)
                LLVMDisposeModule(module)
                throw .compilation("region \(String(batch[0].blocks[0].pc, radix: 16)): \(text)")
            }
            LLVMDisposeMessage(message)
        }
        let options = LLVMCreatePassBuilderOptions()
        defer { LLVMDisposePassBuilderOptions(options) }
        if let error = LLVMRunPasses(module, Self.passes(tier), nil, options) {
            LLVMDisposeModule(module)
            throw .compilation(Self.consume(error))
        }
        if tier == .optimized { Self.restoreSignExtensions(in: module) }
        if let directory = Self.dumpDirectory { LLVMPrintModuleToFile(module, "\(directory)/\(moduleName).ll", nil) }
        let threadSafeModule = LLVMOrcCreateNewThreadSafeModule(module, threadSafeContext)
        codeGenStart = .now
        let codes = try lock.withLock { batchUsers throws(JITError) -> [CompiledCode] in
            for tracker in deferredRemovals.withLock({ list in defer { list.removeAll() }; return list }) {
                Self.release(LLVMOrcResourceTrackerRef(bitPattern: tracker)!, batchUsers: &batchUsers)
            }
            let jit = tier == .quick ? quickJIT : optimizedJIT
            let dylib = LLVMOrcLLJITGetMainJITDylib(jit)
            let tracker = LLVMOrcJITDylibCreateResourceTracker(dylib)!
            if let error = LLVMOrcLLJITAddLLVMIRModuleWithRT(jit, tracker, threadSafeModule) {
                LLVMOrcReleaseResourceTracker(tracker)
                throw .compilation(Self.consume(error))
            }
            var codes: [CompiledCode] = []
            codes.reserveCapacity(batch.count)
            for request in batch {
                // The first lookup materialises the whole module; the others find its symbols.
                var address: LLVMOrcExecutorAddress = 0
                if let error = LLVMOrcLLJITLookup(jit, &address, request.symbol) {
                    Self.free(tracker)
                    throw .compilation(Self.consume(error))
                }
                guard let pointer = UnsafeRawPointer(bitPattern: UInt(address)) else {
                    Self.free(tracker)
                    throw .compilation("lookup of \(request.symbol) returned null")
                }
                codes.append(CompiledCode(function: unsafeBitCast(pointer, to: CompiledRegionFunction.self), tracker: tracker))
            }
            if batch.count > 1 { batchUsers[UInt(bitPattern: tracker)] = batch.count }
            return codes
        }
        if let directory = Self.dumpDirectory {
            for (request, code) in zip(batch, codes) { Self.noteDumped(request, code: code, in: directory) }
        }
        return codes
    }

    /// Frees a region's machine code (now, or at the next compile if one is running); nothing
    /// may execute it any more. The code of a batch is freed with its last region.
    func remove(_ code: CompiledCode) {
        let freed: Bool? = lock.withLockIfAvailable { batchUsers in
            Self.release(code.tracker, batchUsers: &batchUsers)
            return true
        }
        if freed == nil { deferredRemovals.withLock { $0.append(UInt(bitPattern: code.tracker)) } }
    }

    /// Drops one region's hold on `tracker` (under `lock`), freeing it with the last one.
    private static func release(_ tracker: LLVMOrcResourceTrackerRef, batchUsers: inout [UInt: Int]) {
        let key = UInt(bitPattern: tracker)
        if let users = batchUsers[key] {
            guard users <= 1 else {
                batchUsers[key] = users - 1
                return
            }
            batchUsers[key] = nil
        }
        free(tracker)
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
