import Foundation

/// Runs the built `xemu` executable as a subprocess, the way a user does.
///
/// SwiftPM builds `xemu` into the same directory as the test bundle (`.build/<triple>/<config>/`),
/// so it is found next to the running test binary; `XEMU_BINARY` overrides that.
enum XemuBinary {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String

        /// stderr's lines; a final newline does not start another line.
        var stderrLines: [Substring] {
            var lines = stderr.split(separator: "\n", omittingEmptySubsequences: false)
            if stderr.hasSuffix("\n") { lines.removeLast() }
            return lines
        }
    }

    static var url: URL {
        if let path = ProcessInfo.processInfo.environment["XEMU_BINARY"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(executable.deletingLastPathComponent())
        // On macOS the runner is inside PackageTests.xctest/Contents/MacOS.
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        if let selfExe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: selfExe).deletingLastPathComponent())
        }
        for directory in candidates {
            let binary = directory.appendingPathComponent("xemu")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        return candidates[0].appendingPathComponent("xemu")
    }

    /// Runs `xemu` with `arguments`, no stdin, and waits for it.
    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a full pipe cannot stall the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A temporary directory with a few files, removed when the value is dropped.
final class Scratch {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Creates a file of `size` zero bytes and returns its path.
    func file(_ name: String, size: Int = 4096) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(count: size).write(to: url)
        return url.path
    }

    /// Creates a directory and returns its path.
    func folder(_ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}
