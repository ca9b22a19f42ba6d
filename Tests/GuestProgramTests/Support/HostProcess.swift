import Foundation

/// Runs host programs (cross compiler, emulators) with a timeout, capturing their output.
enum HostProcess {
    struct Result {
        var status: Int32
        var output: String
        var timedOut: Bool
    }

    /// The absolute path of `name` on PATH, or nil.
    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The path of `name`, or a failure naming the Debian package that provides it.
    static func require(_ name: String, debianPackage: String) throws(GuestTestError) -> String {
        guard let path = find(name) else { throw .missingTool(name: name, debianPackage: debianPackage) }
        return path
    }

    /// Runs `path` with `arguments`, stdin from /dev/null, stdout and stderr captured together
    /// (through a file, so a chatty child never blocks on a full pipe); kills it after `timeout`.
    static func run(_ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws(GuestTestError) -> Result {
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-guest-\(UUID().uuidString).out")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil),
              let output = try? FileHandle(forWritingTo: outputURL) else {
            throw .launchFailed(path: path, reason: "cannot create \(outputURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do { try process.run() } catch { throw .launchFailed(path: path, reason: "\(error)") }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        var timedOut = false
        if finished.wait(timeout: .now() + seconds) == .timedOut {
            timedOut = true
            process.terminate()
            if finished.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                finished.wait()
            }
        }
        try? output.close()
        let text = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        return Result(status: process.terminationStatus, output: text, timedOut: timedOut)
    }
}
