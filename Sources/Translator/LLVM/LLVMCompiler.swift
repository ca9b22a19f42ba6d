import CLLVM
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
/// (compiles happen on one background thread; removals are rare).
final class LLVMCompiler: @unchecked Sendable {
    private let jit: LLVMOrcLLJITRef
    private let lock = Mutex<Void>(())
    /// The IR pass pipeline run before code generation.
    /// The IR pass pipeline run before code generation: promotes the slot allocas to SSA values
    /// and folds the rest. Code generation dominates compile time, so heavier IR passes (GVN)
    /// bought no measurable speed on the compute benchmark.
    static let passes = "function(sroa,early-cse,instcombine,simplifycfg)"
    /// Code generation at -O1: about as fast code as -O2 here for less compile time; -O0
    /// compiles 4x faster but its code ran the compute benchmark 3x slower.
    static let codeGenLevel = LLVMCodeGenLevelLess

    private static let nativeTarget: String? = {
        if LLVMInitializeNativeTarget() != 0 { return "LLVMInitializeNativeTarget failed" }
        if LLVMInitializeNativeAsmPrinter() != 0 { return "LLVMInitializeNativeAsmPrinter failed" }
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

    deinit { _ = LLVMOrcDisposeLLJIT(jit) }

    /// Lowers, optimises and compiles `request`.
    func compile(_ request: RegionRequest) throws(JITError) -> CompiledCode {
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
        return try lock.withLock { _ throws(JITError) -> CompiledCode in
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

    /// Frees a region's machine code; nothing may be executing it.
    func remove(_ code: CompiledCode) {
        lock.withLock { _ in
            if let error = LLVMOrcResourceTrackerRemove(code.tracker) { LLVMConsumeError(error) }
            LLVMOrcReleaseResourceTracker(code.tracker)
        }
    }

    private static func consume(_ error: LLVMErrorRef) -> String {
        let message = LLVMGetErrorMessage(error)
        defer { LLVMDisposeErrorMessage(message) }
        return message.map { String(cString: $0) } ?? "unknown LLVM error"
    }
}
