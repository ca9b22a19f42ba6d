import Foundation
import Testing
@testable import Machine

/// Builds small ELF executables with the cross toolchain for the loader tests.
struct ELFFixtures {
    let dir: URL

    static let riscvSource = """
        .section .text
        .globl _start
    _start:
        li a0, 42
        j _start
        .section .data
    message:
        .asciz "hello from xemu"
        .section .bss
    buffer:
        .space 8192
    """

    /// A riscv64 executable with text at `text` and data at `text + 0x2000`.
    func riscv64(text: UInt64, name: String) throws -> URL {
        try link(assembler: "riscv64-linux-gnu-as", linker: "riscv64-linux-gnu-ld", source: Self.riscvSource, text: text, name: name)
    }

    /// An x86_64 executable, for the wrong-architecture case.
    func x86_64(text: UInt64, name: String) throws -> URL {
        try link(assembler: "as", linker: "ld", source: """
            .text
            .globl _start
        _start:
            hlt
        """, text: text, name: name)
    }

    private func link(assembler: String, linker: String, source: String, text: UInt64, name: String) throws -> URL {
        let asm = dir.appendingPathComponent("\(name).s"), object = dir.appendingPathComponent("\(name).o")
        let output = dir.appendingPathComponent(name), script = dir.appendingPathComponent("\(name).ld")
        try source.appending("\n").write(to: asm, atomically: true, encoding: .utf8)
        // A linker script keeps the ELF headers out of the loaded segments.
        try """
        ENTRY(_start)
        SECTIONS {
            . = 0x\(String(text, radix: 16)); .text : { *(.text) }
            . = 0x\(String(text + 0x2000, radix: 16)); .data : { *(.data) } .bss : { *(.bss) }
        }
        """.write(to: script, atomically: true, encoding: .utf8)
        let assembled = try HostTools.run(assembler, ["-o", object.path, asm.path])
        guard assembled.status == 0 else { throw FixtureError(message: assembled.stderr) }
        let linked = try HostTools.run(linker, ["-static", "-T", script.path, "-o", output.path, object.path])
        guard linked.status == 0 else { throw FixtureError(message: linked.stderr) }
        return output
    }

    struct FixtureError: Error { let message: String }
}

@Suite(.enabled(if: HostTools.available("riscv64-linux-gnu-as"), "needs gcc-riscv64-linux-gnu"))
struct ELFLoaderTests {
    @Test func loadsSegmentsAndZeroFillsBSS() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let file = try ELFFixtures(dir: dir).riscv64(text: 0x8000_0000, name: "prog")
        let memory = try GuestMemory(base: 0x8000_0000, size: 1 << 20)
        try memory.slice(at: 0x8000_0000, length: 1 << 20).initializeMemory(as: UInt8.self, repeating: 0xFF)
        let image = try ELFLoader.load(file.path, machine: .riscv64, into: memory)
        #expect(image.entry == 0x8000_0000 && image.start == 0x8000_0000)
        #expect(image.end >= 0x8000_2000 + 16 + 8192)
        // li a0, 42 = addi a0, zero, 42.
        #expect(try memory.read(UInt32.self, at: 0x8000_0000) & 0xFFFF_FFFF == 0x02A0_0513)
        #expect(try memory.bytes(at: 0x8000_2000, count: 16) == Array("hello from xemu\0".utf8))
        let bss = try memory.bytes(at: 0x8000_2010, count: Int(image.end - 0x8000_2010))
        #expect(bss.allSatisfy { $0 == 0 })
        #expect(try memory.read(UInt8.self, at: image.end) == 0xFF)
    }

    @Test func refusesForeignArchitectureAndNonELF() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x8000_0000, size: 1 << 20)
        let x86 = try ELFFixtures(dir: dir).x86_64(text: 0x8000_0000, name: "x86")
        #expect(throws: LoaderError(path: x86.path, problem: .wrongArchitecture(found: "x86_64", expected: "riscv64"))) {
            try ELFLoader.load(x86.path, machine: .riscv64, into: memory)
        }
        let riscv = try ELFFixtures(dir: dir).riscv64(text: 0x8000_0000, name: "prog")
        #expect(throws: LoaderError(path: riscv.path, problem: .wrongArchitecture(found: "riscv64", expected: "aarch64"))) {
            try ELFLoader.load(riscv.path, machine: .aarch64, into: memory)
        }
        let text = dir.appendingPathComponent("notes.txt")
        try "not an executable".write(to: text, atomically: true, encoding: .utf8)
        #expect(throws: LoaderError(path: text.path, problem: .notRecognised("no ELF magic (7f 45 4c 46) at the start"))) {
            try ELFLoader.load(text.path, machine: .riscv64, into: memory)
        }
        let object = dir.appendingPathComponent("prog.o")
        #expect(throws: LoaderError(path: object.path, problem: .unsupported("ELF type 1 is not an executable (ET_EXEC)"))) {
            try ELFLoader.load(object.path, machine: .riscv64, into: memory)
        }
    }

    @Test func refusesSegmentsOutsideRAMWithoutWritingAnything() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let file = try ELFFixtures(dir: dir).riscv64(text: 0x800F_F000, name: "high")
        let memory = try GuestMemory(base: 0x8000_0000, size: 1 << 20)
        #expect(throws: LoaderError.self) { try ELFLoader.load(file.path, machine: .riscv64, into: memory) }
        // The text segment fits, the data segment does not: the text must not have been copied.
        #expect(try memory.read(UInt32.self, at: 0x800F_F000) == 0)
        do {
            _ = try ELFLoader.load(file.path, machine: .riscv64, into: memory)
        } catch {
            guard case .outsideRAM(let address, _) = error.problem else {
                Issue.record("expected outsideRAM, got \(error)")
                return
            }
            #expect(address == 0x8010_1000)
        }
    }

    @Test func refusesTruncatedAndCorruptFiles() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let file = try ELFFixtures(dir: dir).riscv64(text: 0x8000_0000, name: "prog")
        let memory = try GuestMemory(base: 0x8000_0000, size: 1 << 20)
        let bytes = try HostTools.read(file)
        let cut = dir.appendingPathComponent("cut")
        // Every cut that loses the header, the program headers or segment data is refused.
        let phoff = Int(bytes[32..<40].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        for length in stride(from: 0, to: 0x2010, by: 7) where length < phoff + 56 * 3 || length > 0x1000 {
            try HostTools.write(Array(bytes[..<length]), to: cut)
            #expect(throws: LoaderError.self, "cut at \(length)") { try ELFLoader.load(cut.path, machine: .riscv64, into: memory) }
        }
        // Cutting inside the data segment (file offset 0x2000, 16 bytes) names it.
        try HostTools.write(Array(bytes[..<0x2004]), to: cut)
        #expect(throws: LoaderError(path: cut.path, problem: .truncated("segment 2's data ends at byte 8208, past the file's end at 8196"))) {
            try ELFLoader.load(cut.path, machine: .riscv64, into: memory)
        }

        // p_memsz smaller than p_filesz in the text segment (program header 1).
        var corrupt = bytes
        corrupt.replaceSubrange(phoff + 56 + 40..<phoff + 56 + 48, with: [1, 0, 0, 0, 0, 0, 0, 0])
        let bad = dir.appendingPathComponent("bad")
        try HostTools.write(corrupt, to: bad)
        #expect(throws: LoaderError(path: bad.path, problem: .corrupt("segment 1 has more file bytes (0x8) than memory bytes (0x1)"))) {
            try ELFLoader.load(bad.path, machine: .riscv64, into: memory)
        }
        // A 32-bit class byte.
        var narrow = bytes
        narrow[4] = 1
        try HostTools.write(narrow, to: bad)
        #expect(throws: LoaderError.self) { try ELFLoader.load(bad.path, machine: .riscv64, into: memory) }
    }
}

@Suite struct RealFirmwareELFTests {
    static let openSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: openSBI), "needs Debian's opensbi package"))
    func loadsDebiansOpenSBI() throws {
        let memory = try GuestMemory(base: 0x8000_0000, size: 16 << 20)
        let image = try ELFLoader.load(Self.openSBI, machine: .riscv64, into: memory)
        #expect(image.entry == 0x8000_0000 && image.start == 0x8000_0000)
        #expect(image.end > image.start + 0x1_0000)
        #expect(try memory.read(UInt32.self, at: 0x8000_0000) != 0)
    }
}
