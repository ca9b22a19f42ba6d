import Foundation
import Machine
import Testing
@testable import RISCV64

/// Runs a generated routine (`routine:` with a0 = operands, a1 = count, a2 = output) on xemu
/// bare metal and under `qemu-riscv64` user mode (wrapped in a static Linux ELF that writes the
/// output to stdout), so tests can compare the two byte for byte.
enum DifferentialRoutine {
    static let outputBase: UInt64 = 0x8010_0000

    static func runOnXemu(routine: String, data: String, operandCount: Int, resultBytes: Int,
                          jit: JITConfiguration = GuestRig.defaultJIT) throws -> [UInt8] {
        let rig = try GuestRig("""
            li t0, 0x2000
            csrs mstatus, t0
            lla a0, operands
            li a1, \(operandCount)
            li a2, \(outputBase)
            call routine
            j exit
        \(routine)
            .balign 8
        \(data)
        """, ramSize: 4 << 20, jit: jit)
        rig.run()
        if let error = rig.hart.engine.jitError { Issue.record("LLVM tier: \(error)") }
        return try rig.memory.bytes(at: outputBase, count: resultBytes)
    }

    static func runOnQEMU(routine: String, data: String, operandCount: Int, resultBytes: Int) throws -> [UInt8] {
        let source = """
            .option nopic
            .text
            .globl _start
        _start:
            lla a0, operands
            li a1, \(operandCount)
            lla a2, output
            call routine
            li a0, 1
            lla a1, output
            li a2, \(resultBytes)
            li a7, 64
            ecall
            li a0, 0
            li a7, 93
            ecall
        \(routine)
            .data
            .balign 8
        \(data)
            .bss
            .balign 8
        output:
            .zero \(resultBytes)
        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("p.S"), obj = dir.appendingPathComponent("p.o"), exe = dir.appendingPathComponent("p")
        try source.write(to: src, atomically: true, encoding: .utf8)
        try tool("/usr/bin/riscv64-linux-gnu-as", ["-march=rv64imafdc_zicsr_zba_zbb_zbs", "-o", obj.path, src.path])
        try tool("/usr/bin/riscv64-linux-gnu-ld", ["-static", "-o", exe.path, obj.path])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-riscv64")
        p.arguments = ["-cpu", "rv64,zba=true,zbb=true,zbs=true", exe.path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Array(bytes)
    }

    static func tool(_ path: String, _ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Assembler.Failure(description: "\(path) failed") }
    }

    /// Describes the 16-byte records where the two outputs differ.
    static func mismatches(_ ours: [UInt8], _ theirs: [UInt8], describe: (Int) -> String) -> [String] {
        func word(_ bytes: [UInt8], _ at: Int) -> String {
            "0x" + String(bytes[at..<at + 8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, radix: 16)
        }
        var result: [String] = []
        for index in stride(from: 0, to: min(ours.count, theirs.count), by: 16) where ours[index..<index + 16] != theirs[index..<index + 16] {
            result.append("\(describe(index / 16)): xemu \(word(ours, index)) \(word(ours, index + 8)), qemu \(word(theirs, index)) \(word(theirs, index + 8))")
        }
        return result
    }
}

