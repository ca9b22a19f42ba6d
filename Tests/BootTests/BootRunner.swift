import Foundation

/// Runs the xemu binary beside the test bundle on a real firmware or kernel image from
/// Images/out and watches its console output, so a boot test can stop as soon as the guest
/// shows what it waits for (a prompt) instead of waiting for the guest to end.
struct BootRunner {
    struct Result {
        /// Everything xemu printed (console and diagnostics).
        var output: String
        /// xemu's exit status, or nil if the run was stopped (marker seen or time out).
        var status: Int32?
        /// Whether the marker appeared.
        var sawMarker: Bool
        var seconds: Double
    }

    /// Why a boot test could not run.
    enum Failure: Error, CustomStringConvertible {
        /// The guest images are not built.
        case missingImage(String)
        /// xemu is not next to the test bundle.
        case xemuNotBuilt(String)
        /// xemu could not be started.
        case launchFailed(String)

        var description: String {
            switch self {
            case let .missingImage(path): "\(path) is missing: build the guest images with Images/build.sh --only riscv64"
            case let .xemuNotBuilt(path): "no xemu binary at \(path): build the package (swift build) first"
            case let .launchFailed(reason): "cannot start xemu: \(reason)"
            }
        }
    }

    /// Images/out/riscv64, found from this source file's location (the package root).
    static let imageDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Images/out/riscv64")

    /// The path of image `name`, or a failure naming Images/build.sh.
    static func image(_ name: String) throws(Failure) -> String {
        let path = imageDirectory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else { throw .missingImage(path) }
        return path
    }

    static func xemu() throws(Failure) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        while directory.path.contains(".xctest") { directory.deleteLastPathComponent() }
        let path = directory.appendingPathComponent("xemu").path
        guard FileManager.default.isExecutableFile(atPath: path) else { throw .xemuNotBuilt(path) }
        return path
    }

    /// One exchange with the guest's console: wait until `expect` appears (after where the
    /// previous step's text was seen), then type `send` on xemu's standard input.
    struct ConsoleStep {
        var expect: String
        var send: String
    }

    /// Runs xemu with `arguments` until it exits, `marker` appears in its output (then it is
    /// stopped), or `timeout` seconds pass. With `steps`, xemu's standard input is a pipe the
    /// steps type into, in order, and `marker` counts only after the last step's text.
    static func run(_ arguments: [String], steps: [ConsoleStep] = [], until marker: String? = nil,
                    timeout: Double) throws(Failure) -> Result {
        let xemu = try xemu()
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-boot-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
              let output = try? FileHandle(forWritingTo: outputURL) else {
            throw .launchFailed("cannot create \(outputURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: xemu)
        process.arguments = arguments
        let input = steps.isEmpty ? nil : Pipe()
        if let input {
            // A write to a pipe whose reader died must fail, not kill the test runner.
            signal(SIGPIPE, SIG_IGN)
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = output
        process.standardError = output
        let start = Date()
        do { try process.run() } catch { throw .launchFailed("\(error)") }
        var sawMarker = false
        var nextStep = 0
        // Where the next expected text is looked for: after the previous step's text.
        var searchFrom = 0
        while process.isRunning, Date().timeIntervalSince(start) < timeout {
            Thread.sleep(forTimeInterval: 0.05)
            guard marker != nil || nextStep < steps.count else { continue }
            let text = Array(((try? Data(contentsOf: outputURL)) ?? Data()))
            while nextStep < steps.count, let found = Self.find(steps[nextStep].expect, in: text, from: searchFrom) {
                searchFrom = found
                let bytes = Array(steps[nextStep].send.utf8)
                if let input, !bytes.isEmpty {
                    _ = bytes.withUnsafeBytes { write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count) }
                }
                nextStep += 1
            }
            if nextStep == steps.count, let marker, Self.find(marker, in: text, from: searchFrom) != nil {
                sawMarker = true
                break
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let stopped = process.isRunning
        if stopped {
            // SIGKILL: a test runner may hand its children SIGTERM ignored.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? input?.fileHandleForWriting.close()
        try? output.close()
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        if nextStep == steps.count, let marker, Self.find(marker, in: Array(text.utf8), from: searchFrom) != nil {
            sawMarker = true
        }
        return Result(output: text, status: stopped ? nil : process.terminationStatus, sawMarker: sawMarker, seconds: seconds)
    }

    /// The offset just past the first `needle` in `haystack` at or after `start`. Byte-wise:
    /// Swift compares Characters, and "\r\n" is one Character, so a marker starting with "\n"
    /// would never match console output with CR LF line ends.
    private static func find(_ needle: String, in haystack: [UInt8], from start: Int) -> Int? {
        guard start <= haystack.count else { return nil }
        return haystack[start...].firstRange(of: Array(needle.utf8))?.upperBound
    }
}
