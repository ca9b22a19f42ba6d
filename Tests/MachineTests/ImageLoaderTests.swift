import Foundation
import Testing
@testable import Machine

@Suite struct RawImageLoaderTests {
    @Test func copiesTheFileAtTheAddress() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x8000_0000, size: 1 << 20)
        let file = dir.appendingPathComponent("fw.bin")
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try HostTools.write(payload, to: file)
        let image = try RawImageLoader.load(file.path, at: 0x8000_1000, into: memory)
        #expect(image == LoadedImage(entry: 0x8000_1000, start: 0x8000_1000, end: 0x8000_1000 + 5000))
        #expect(try memory.bytes(at: 0x8000_1000, count: 5000) == payload)
    }

    @Test func refusesMissingEmptyDirectoryAndOutOfRAMFiles() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x8000_0000, size: 0x10000)
        let missing = dir.appendingPathComponent("nope.bin").path
        #expect(throws: LoaderError(path: missing, problem: .cannotOpen(errno: ENOENT))) {
            try RawImageLoader.load(missing, at: 0x8000_0000, into: memory)
        }
        let message = LoaderError(path: missing, problem: .cannotOpen(errno: ENOENT)).description
        #expect(message == "\(missing): cannot open: No such file or directory")
        #expect(throws: LoaderError(path: dir.path, problem: .cannotOpen(errno: EISDIR))) {
            try RawImageLoader.load(dir.path, at: 0x8000_0000, into: memory)
        }
        let empty = dir.appendingPathComponent("empty")
        try HostTools.write([], to: empty)
        #expect(throws: LoaderError(path: empty.path, problem: .truncated("the file is empty"))) {
            try RawImageLoader.load(empty.path, at: 0x8000_0000, into: memory)
        }
        let big = dir.appendingPathComponent("big")
        try HostTools.write([UInt8](repeating: 1, count: 0x100), to: big)
        #expect(throws: LoaderError(path: big.path, problem: .outsideRAM(address: 0x8000_FF80, length: 0x100))) {
            try RawImageLoader.load(big.path, at: 0x8000_FF80, into: memory)
        }
        let huge = dir.appendingPathComponent("huge")
        try HostTools.write([UInt8](repeating: 1, count: 0x10001), to: huge)
        #expect(throws: LoaderError(path: huge.path, problem: .tooLarge(size: 0x10001, limit: 0x10000))) {
            try RawImageLoader.load(huge.path, at: 0x8000_0000, into: memory)
        }
    }
}

/// An arm64 Image: the 64-byte header then a recognisable body.
func arm64Image(textOffset: UInt64, imageSize: UInt64, flags: UInt64 = 0xA, bodySize: Int = 0x1000) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: 64)
    func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + $0.count, with: $0) }
    }
    put(UInt32(0x1400_0010), at: 0)         // b +64
    put(textOffset, at: 8)
    put(imageSize, at: 16)
    put(flags, at: 24)
    put(UInt32(0x644D_5241), at: 56)
    bytes += (0..<bodySize).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
    return bytes
}

@Suite struct Arm64ImageLoaderTests {
    @Test func loadsAtTheAlignedBasePlusTextOffsetAndZeroesBSS() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x4000_0000, size: 8 << 20)
        try memory.slice(at: 0x4000_0000, length: 8 << 20).initializeMemory(as: UInt8.self, repeating: 0xFF)
        let bytes = arm64Image(textOffset: 0x8_0000, imageSize: 0x4000)
        let file = dir.appendingPathComponent("Image")
        try HostTools.write(bytes, to: file)
        // A RAM base that is not 2 MiB aligned is rounded up.
        let image = try Arm64ImageLoader.load(file.path, ramBase: 0x4010_0000, into: memory)
        #expect(image == LoadedImage(entry: 0x4028_0000, start: 0x4028_0000, end: 0x4028_4000))
        #expect(try memory.bytes(at: 0x4028_0000, count: bytes.count) == bytes)
        #expect(try memory.bytes(at: 0x4028_0000 + UInt64(bytes.count), count: 0x4000 - bytes.count).allSatisfy { $0 == 0 })
        #expect(try memory.read(UInt8.self, at: 0x4028_4000) == 0xFF, "nothing written past image_size")
    }

    @Test func loadsAGzipCompressedImage() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x4000_0000, size: 8 << 20)
        let bytes = arm64Image(textOffset: 0, imageSize: 0x30000, bodySize: 0x20000)
        let file = dir.appendingPathComponent("vmlinuz")
        try HostTools.write(bytes, to: file)
        #expect(try HostTools.run("gzip", ["-9", file.path]).status == 0)
        let image = try Arm64ImageLoader.load(file.path + ".gz", ramBase: 0x4000_0000, into: memory)
        #expect(image == LoadedImage(entry: 0x4000_0000, start: 0x4000_0000, end: 0x4003_0000))
        #expect(try memory.bytes(at: 0x4000_0000, count: bytes.count) == bytes)
    }

    @Test func refusesDamagedGzip() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x4000_0000, size: 8 << 20)
        let file = dir.appendingPathComponent("vmlinuz")
        try HostTools.write(arm64Image(textOffset: 0, imageSize: 0x30000, bodySize: 0x20000), to: file)
        #expect(try HostTools.run("gzip", ["-9", file.path]).status == 0)
        let compressed = try HostTools.read(URL(fileURLWithPath: file.path + ".gz"))

        let truncated = dir.appendingPathComponent("truncated.gz")
        try HostTools.write(Array(compressed[..<(compressed.count / 2)]), to: truncated)
        #expect(throws: LoaderError(path: truncated.path, problem: .truncated("the gzip stream ends early"))) {
            try Arm64ImageLoader.load(truncated.path, ramBase: 0x4000_0000, into: memory)
        }
        var damaged = compressed
        damaged[damaged.count - 6] ^= 0xFF           // the CRC-32 in the trailer
        let corrupt = dir.appendingPathComponent("corrupt.gz")
        try HostTools.write(damaged, to: corrupt)
        #expect(throws: LoaderError(path: corrupt.path, problem: .corrupt("gzip data: incorrect data check"))) {
            try Arm64ImageLoader.load(corrupt.path, ramBase: 0x4000_0000, into: memory)
        }
    }

    @Test func stopsAGzipBombAtTheRAMSize() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x4000_0000, size: 4 << 20)
        let file = dir.appendingPathComponent("bomb")
        try HostTools.write([UInt8](repeating: 0, count: 64 << 20), to: file)
        #expect(try HostTools.run("gzip", ["-1", file.path]).status == 0)
        let bomb = file.path + ".gz"
        #expect(throws: LoaderError(path: bomb, problem: .decompressedTooLarge(limit: 4 << 20))) {
            try Arm64ImageLoader.load(bomb, ramBase: 0x4000_0000, into: memory)
        }
    }

    @Test func refusesWrongMagicShortHeaderAndBigEndian() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x4000_0000, size: 4 << 20)
        let file = dir.appendingPathComponent("Image")
        var bytes = arm64Image(textOffset: 0, imageSize: 0x2000)
        bytes[56] = 0
        try HostTools.write(bytes, to: file)
        #expect(throws: LoaderError(path: file.path, problem: .notRecognised(
            "no arm64 Image magic at byte 56 (found 0x644d5200, expected 0x644d5241)"))) {
            try Arm64ImageLoader.load(file.path, ramBase: 0x4000_0000, into: memory)
        }
        try HostTools.write(Array(arm64Image(textOffset: 0, imageSize: 0x2000)[..<40]), to: file)
        #expect(throws: LoaderError.self) { try Arm64ImageLoader.load(file.path, ramBase: 0x4000_0000, into: memory) }
        try HostTools.write(arm64Image(textOffset: 0, imageSize: 0x2000, flags: 0xB), to: file)
        #expect(throws: LoaderError.self) { try Arm64ImageLoader.load(file.path, ramBase: 0x4000_0000, into: memory) }
        // image_size beyond the end of RAM.
        try HostTools.write(arm64Image(textOffset: 0x8_0000, imageSize: 4 << 20), to: file)
        #expect(throws: LoaderError(path: file.path, problem: .outsideRAM(address: 0x4008_0000, length: 4 << 20))) {
            try Arm64ImageLoader.load(file.path, ramBase: 0x4000_0000, into: memory)
        }
    }

    @Test func namesTheArchitectureOfAForeignKernel() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x4000_0000, size: 4 << 20)
        var riscv = arm64Image(textOffset: 0x20_0000 - 0x1000, imageSize: 0x2000)
        riscv.replaceSubrange(56..<60, with: Array("RSC\u{05}".utf8))
        let file = dir.appendingPathComponent("riscv-Image")
        try HostTools.write(riscv, to: file)
        #expect(throws: LoaderError(path: file.path, problem: .wrongArchitecture(
            found: "riscv64 (a RISC-V Linux Image)", expected: "aarch64 (an arm64 Linux Image)"))) {
            try Arm64ImageLoader.load(file.path, ramBase: 0x4000_0000, into: memory)
        }
        var elf = [UInt8](repeating: 0, count: 128)
        elf.replaceSubrange(0..<4, with: [0x7F, 0x45, 0x4C, 0x46])
        elf[18] = 62
        try HostTools.write(elf, to: file)
        #expect(throws: LoaderError(path: file.path, problem: .wrongArchitecture(
            found: "x86_64 (an ELF executable)", expected: "aarch64 (an arm64 Linux Image)"))) {
            try Arm64ImageLoader.load(file.path, ramBase: 0x4000_0000, into: memory)
        }
    }
}

@Suite struct DeviceTreeLoaderTests {
    @Test func loadsABlobAndRefusesOthersNamingTheFile() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let good = dir.appendingPathComponent("virt.dtb")
        try HostTools.write(virtLikeTree().flattened(), to: good)
        #expect(try DeviceTreeLoader.load(good.path) == virtLikeTree())

        let text = dir.appendingPathComponent("virt.dts")
        try HostTools.write(Array("/dts-v1/; / { };".utf8), to: text)
        let error = LoaderError(path: text.path, problem: .deviceTree(.badMagic(0x2F64_7473)))
        #expect(throws: error) { try DeviceTreeLoader.load(text.path) }
        #expect(error.description == "\(text.path): is not a usable device tree: not a flattened device tree: magic is 0x2f647473, expected 0xd00dfeed")

        let missing = dir.appendingPathComponent("none.dtb").path
        #expect(throws: LoaderError(path: missing, problem: .cannotOpen(errno: ENOENT))) { try DeviceTreeLoader.load(missing) }
    }
}

/// A riscv64 Image: the arm64 layout with the "RSC\x05" magic at byte 56.
func riscvImage(textOffset: UInt64, imageSize: UInt64, bodySize: Int = 0x1000) -> [UInt8] {
    var bytes = arm64Image(textOffset: textOffset, imageSize: imageSize, flags: 0, bodySize: bodySize)
    bytes.replaceSubrange(56..<60, with: Array("RSC\u{05}".utf8))
    return bytes
}

@Suite struct RISCVImageLoaderTests {
    @Test func loadsAtRAMBasePlusTextOffsetAndZeroesBSS() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x8000_0000, size: 8 << 20)
        try memory.slice(at: 0x8000_0000, length: 8 << 20).initializeMemory(as: UInt8.self, repeating: 0xFF)
        let bytes = riscvImage(textOffset: 0x20_0000, imageSize: 0x8000)
        let file = dir.appendingPathComponent("Image")
        try HostTools.write(bytes, to: file)
        let image = try RISCVImageLoader.load(file.path, ramBase: 0x8000_0000, into: memory)
        #expect(image == LoadedImage(entry: 0x8020_0000, start: 0x8020_0000, end: 0x8020_8000))
        #expect(try memory.bytes(at: 0x8020_0000, count: bytes.count) == bytes)
        #expect(try memory.bytes(at: 0x8020_0000 + UInt64(bytes.count), count: 0x8000 - bytes.count).allSatisfy { $0 == 0 })
    }

    @Test func refusesArm64ImagesShortFilesAndOddOffsets() throws {
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let memory = try GuestMemory(base: 0x8000_0000, size: 4 << 20)
        let file = dir.appendingPathComponent("Image")
        try HostTools.write(arm64Image(textOffset: 0, imageSize: 0x2000), to: file)
        #expect(throws: LoaderError(path: file.path, problem: .wrongArchitecture(
            found: "aarch64 (an arm64 Linux Image)", expected: "riscv64 (a RISC-V Linux Image)"))) {
            try RISCVImageLoader.load(file.path, ramBase: 0x8000_0000, into: memory)
        }
        try HostTools.write(Array(riscvImage(textOffset: 0, imageSize: 0)[..<63]), to: file)
        #expect(throws: LoaderError.self) { try RISCVImageLoader.load(file.path, ramBase: 0x8000_0000, into: memory) }
        try HostTools.write(riscvImage(textOffset: 0x123, imageSize: 0x2000), to: file)
        #expect(throws: LoaderError.self) { try RISCVImageLoader.load(file.path, ramBase: 0x8000_0000, into: memory) }
        try HostTools.write(riscvImage(textOffset: 0x20_0000, imageSize: 4 << 20), to: file)
        #expect(throws: LoaderError(path: file.path, problem: .outsideRAM(address: 0x8020_0000, length: 4 << 20))) {
            try RISCVImageLoader.load(file.path, ramBase: 0x8000_0000, into: memory)
        }
    }
}
