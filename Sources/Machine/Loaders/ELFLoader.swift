import CElf

/// The CPU architectures xemu emulates, as ELF `e_machine` values (System V gABI, elf.h).
public enum ELFMachine: UInt16, Sendable, CaseIterable {
    case x86_64 = 62
    case aarch64 = 183
    case riscv64 = 243

    /// The architecture's usual name, for messages.
    public var name: String {
        switch self {
        case .x86_64: "x86_64"
        case .aarch64: "aarch64"
        case .riscv64: "riscv64"
        }
    }

    static func name(of machine: UInt16) -> String {
        ELFMachine(rawValue: machine)?.name ?? "ELF machine \(machine)"
    }
}

/// Loads a 64-bit little-endian ELF executable (a bare-metal program, OpenSBI's `fw_jump.elf`,
/// an uncompressed `vmlinux`) through libelf.
///
/// Each `PT_LOAD` segment is copied to its physical address (`p_paddr`) and zero-filled from
/// `p_filesz` to `p_memsz`. Every segment is checked against the file and against guest RAM
/// before anything is copied, so a refused file leaves guest memory untouched.
public enum ELFLoader {
    /// Loads the executable at `path`, which must be built for `machine`.
    public static func load(_ path: String, machine: ELFMachine, into memory: GuestMemory) throws(LoaderError) -> LoadedImage {
        let bytes = try ImageFile.contents(of: path, limit: memory.totalSize &* 2 &+ (1 << 20))
        let segments = try ELFFile.segments(of: bytes, path: path, machine: machine)
        for segment in segments {
            guard memory.contains(segment.address, length: segment.memorySize) else {
                throw LoaderError(path: path, problem: .outsideRAM(address: segment.address, length: segment.memorySize))
            }
        }
        for segment in segments {
            let data = bytes[Int(segment.fileOffset)..<Int(segment.fileOffset + segment.fileSize)]
            try ImageFile.place(data, at: segment.address, length: segment.memorySize, into: memory, path: path)
        }
        let start = segments.map(\.address).min() ?? 0
        let end = segments.map { $0.address + $0.memorySize }.max() ?? 0
        return LoadedImage(entry: segments.first?.entry ?? 0, start: start, end: end)
    }
}

/// One checked `PT_LOAD` segment.
struct ELFSegment: Equatable {
    var address: UInt64
    var fileOffset: UInt64
    var fileSize: UInt64
    var memorySize: UInt64
    /// The file's entry point, carried with each segment so the parse returns one value.
    var entry: UInt64
}

/// Reads an in-memory ELF image's headers through libelf.
enum ELFFile {
    static func segments(of bytes: [UInt8], path: String, machine: ELFMachine) throws(LoaderError) -> [ELFSegment] {
        func fail(_ problem: LoaderError.Problem) -> LoaderError { LoaderError(path: path, problem: problem) }
        guard bytes.starts(with: [0x7F, 0x45, 0x4C, 0x46]) else {
            let guess = ImageIdentity.architecture(of: bytes).map { "; it looks like \($0)" } ?? ""
            throw fail(.notRecognised("no ELF magic (7f 45 4c 46) at the start\(guess)"))
        }
        // libelf's in-memory reader wants a mutable buffer that outlives the Elf handle.
        let image = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        defer { image.deallocate() }
        image.copyBytes(from: bytes)
        _ = elf_version(UInt32(EV_CURRENT))
        guard let elf = elf_memory(image.baseAddress!.assumingMemoryBound(to: CChar.self), image.count) else {
            throw fail(.corrupt("libelf: \(libelfMessage())"))
        }
        defer { elf_end(elf) }
        var header = GElf_Ehdr()
        guard elf_kind(elf) == ELF_K_ELF, gelf_getehdr(elf, &header) != nil else {
            throw fail(.truncated("the ELF header is incomplete (\(libelfMessage()))"))
        }
        guard header.e_ident.4 == UInt8(ELFCLASS64) else {
            throw fail(.wrongArchitecture(found: "a 32-bit \(ELFMachine.name(of: header.e_machine))", expected: "64-bit \(machine.name)"))
        }
        guard header.e_ident.5 == UInt8(ELFDATA2LSB) else {
            throw fail(.unsupported("a big-endian ELF; xemu runs little-endian guests"))
        }
        guard header.e_machine == machine.rawValue else {
            throw fail(.wrongArchitecture(found: ELFMachine.name(of: header.e_machine), expected: machine.name))
        }
        guard header.e_type == UInt16(ET_EXEC) else {
            throw fail(.unsupported("ELF type \(header.e_type) is not an executable (ET_EXEC)"))
        }
        var count = 0
        guard elf_getphdrnum(elf, &count) == 0 else { throw fail(.corrupt("program header count: \(libelfMessage())")) }
        var segments: [ELFSegment] = []
        for index in 0..<count {
            var program = GElf_Phdr()
            guard gelf_getphdr(elf, Int32(index), &program) != nil else {
                throw fail(.truncated("program header \(index) lies past the file's end (\(libelfMessage()))"))
            }
            guard program.p_type == UInt32(PT_LOAD), program.p_memsz > 0 else { continue }
            guard program.p_filesz <= program.p_memsz else {
                throw fail(.corrupt("segment \(index) has more file bytes (0x\(String(program.p_filesz, radix: 16))) than memory bytes (0x\(String(program.p_memsz, radix: 16)))"))
            }
            let (fileEnd, overflow) = program.p_offset.addingReportingOverflow(program.p_filesz)
            guard !overflow, fileEnd <= UInt64(image.count) else {
                throw fail(.truncated("segment \(index)'s data ends at byte \(fileEnd), past the file's end at \(image.count)"))
            }
            guard program.p_paddr.addingReportingOverflow(program.p_memsz).overflow == false else {
                throw fail(.corrupt("segment \(index) wraps the address space"))
            }
            segments.append(ELFSegment(address: program.p_paddr, fileOffset: program.p_offset, fileSize: program.p_filesz,
                                       memorySize: program.p_memsz, entry: header.e_entry))
        }
        guard !segments.isEmpty else { throw fail(.notRecognised("the ELF file has no loadable segments")) }
        return segments
    }

    private static func libelfMessage() -> String {
        elf_errmsg(-1).map { String(cString: $0) } ?? "unknown libelf error"
    }
}
