import Foundation
import Machine
import Synchronization
import Testing
import Translator
@testable import RISCV64

/// Assembles RISC-V source with binutils (`riscv64-linux-gnu-as`, `-ld`, `-objcopy`) into flat bytes.
enum Assembler {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Assembles and links `source` to run at `base`.
    static func assemble(_ source: String, march: String = "rv64imafdc_zicsr_zifencei_zba_zbb_zbs", base: UInt64 = 0x8000_0000) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-rv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("t.S"), obj = dir.appendingPathComponent("t.o")
        let elf = dir.appendingPathComponent("t.elf"), bin = dir.appendingPathComponent("t.bin")
        try (source + "\n").write(to: src, atomically: true, encoding: .utf8)
        try run("/usr/bin/riscv64-linux-gnu-as", ["-march=\(march)", "-mabi=lp64", "-o", obj.path, src.path])
        try run("/usr/bin/riscv64-linux-gnu-ld", ["--no-relax", "-Ttext=0x\(String(base, radix: 16))", "-e", "0x\(String(base, radix: 16))", "-o", elf.path, obj.path])
        try run("/usr/bin/riscv64-linux-gnu-objcopy", ["-O", "binary", "-j", ".text", elf.path, bin.path])
        return Array(try Data(contentsOf: bin))
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw Failure(description: "\(tool) failed: \(text)")
        }
    }
}

/// A device that records accesses and answers reads with `0x1000 + offset`.
final class RecordingDevice: MMIODevice, @unchecked Sendable {
    var writes: [(offset: UInt64, size: Int, value: UInt64)] = []
    var reads: [(offset: UInt64, size: Int)] = []
    func read(offset: UInt64, size: Int) -> UInt64 {
        reads.append((offset, size))
        return 0x1000 + offset
    }
    func write(offset: UInt64, size: Int, value: UInt64) { writes.append((offset, size, value)) }
}

/// A SiFive-test-like finisher: any store stops the hart.
final class Finisher: MMIODevice, @unchecked Sendable {
    weak var hart: RISCV64Hart?
    let hits = Atomic<Int>(0)
    func read(offset: UInt64, size: Int) -> UInt64 { 0 }
    func write(offset: UInt64, size: Int, value: UInt64) {
        hits.wrappingAdd(1, ordering: .relaxed)
        hart?.requestExit()
    }
}

final class DoneFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// RAM at 0x8000_0000, a recording device at 0x1000_0000, a finisher at 0x10_0000, and a hart
/// whose pc is the start of the assembled program. The program ends by falling into `exit`.
final class GuestRig {
    static let ramBase: UInt64 = 0x8000_0000
    static let deviceBase: UInt64 = 0x1000_0000
    let memory: GuestMemory
    let bus = Bus(name: "mmio")
    let device = RecordingDevice()
    let finisher = Finisher()
    let hart: RISCV64Hart

    /// The code appended to every program: store to the finisher, then spin.
    static let epilogue = """
    exit:
        lui t6, 0x100
        sw zero, 0(t6)
    1:  j 1b
    """

    /// The tiers rigs use unless a test names them: `XEMU_TEST_JIT=interp|llvm|auto` (default
    /// interp), so the whole suite can be rerun on the LLVM tier.
    static let defaultJIT: JITConfiguration = {
        let name = ProcessInfo.processInfo.environment["XEMU_TEST_JIT"] ?? "interp"
        return JITConfiguration(mode: JITConfiguration.Mode(rawValue: name) ?? .interpreter, threshold: 2)
    }()

    init(_ source: String, march: String = "rv64imafdc_zicsr_zifencei_zba_zbb_zbs", ramSize: UInt64 = 1 << 20,
         jit: JITConfiguration = GuestRig.defaultJIT) throws {
        memory = try GuestMemory(base: Self.ramBase, size: ramSize)
        try bus.register(device, at: Self.deviceBase, size: 0x1000, name: "recorder")
        try bus.register(finisher, at: 0x10_0000, size: 0x1000, name: "finisher")
        hart = try RISCV64Hart(memory: memory, bus: bus, jit: jit)
        finisher.hart = hart
        let code = try Assembler.assemble(".option nopic\n.option norvc\n" + source + "\n" + Self.epilogue, march: march)
        try memory.write(code, at: Self.ramBase)
        hart.pc = Self.ramBase
    }

    /// Assembles with compressed instructions allowed.
    convenience init(compressed source: String) throws {
        try self.init(".option rvc\n" + source)
    }

    /// Runs until the finisher is hit (or a 10 s watchdog fires, which fails the test).
    @discardableResult
    func run(sourceLocation: SourceLocation = #_sourceLocation) -> RunExit {
        let done = DoneFlag()
        let hart = self.hart
        let watchdog = Thread {
            for _ in 0..<1000 where !done.value.load(ordering: .relaxed) { usleep(10_000) }
            if !done.value.load(ordering: .relaxed) { hart.requestExit() }
        }
        watchdog.start()
        let exit = hart.run()
        done.value.store(true, ordering: .relaxed)
        #expect(finisher.hits.load(ordering: .relaxed) > 0, "guest did not reach exit", sourceLocation: sourceLocation)
        return exit
    }

    subscript(x n: Int) -> UInt64 { hart[x: n] }

    /// Register by ABI name.
    subscript(_ name: String) -> UInt64 {
        let names = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
                     "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"]
        return hart[x: names.firstIndex(of: name)!]
    }

    func signed(_ name: String) -> Int64 { Int64(bitPattern: self[name]) }
}
