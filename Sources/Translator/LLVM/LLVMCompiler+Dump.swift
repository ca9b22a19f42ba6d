import Foundation

/// `XEMU_JIT_DUMP=DIR`: every compiled region's IR as it goes to code generation (after the
/// tier's passes) in `DIR/SYMBOL.ll` (a batch's regions in the file of its first), and one
/// line per region in `DIR/regions.txt` (symbol,
/// tier, host entry address, guest PCs of its blocks), so a profile's anonymous JIT addresses
/// can be matched to regions and their IR fed to `llc` to see the machine code.
extension LLVMCompiler {
    static let dumpDirectory: String? = ProcessInfo.processInfo.environment["XEMU_JIT_DUMP"]

    static func noteDumped(_ request: RegionRequest, code: CompiledCode, in directory: String) {
        let address = UInt(bitPattern: unsafeBitCast(code.function, to: UnsafeRawPointer.self))
        let pcs = request.blocks.map { String($0.pc, radix: 16) }.joined(separator: " ")
        let line = "\(request.symbol) \(request.tier) 0x\(String(address, radix: 16)) \(pcs)\n"
        let path = "\(directory)/regions.txt"
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(line.utf8))
    }
}
