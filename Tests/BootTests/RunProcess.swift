import Foundation

/// Runs a program (the built xemu, or a shell running README's recipe) with stdout and stderr
/// kept apart, as `xemu run`'s tests need them: what the guest command wrote to each.
struct RunProcess {
    struct Result {
        /// The exit status, or nil when the process was killed at the time limit.
        var status: Int32?
        var stdout: Data
        var stderr: Data
        var seconds: Double

        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// Runs `executable` with `arguments` in `directory`, stdin from /dev/null, and kills it
    /// after `limit` seconds. `environment` entries are added to (or replace) the test's own.
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String] = [:], limit: Double) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        let group = DispatchGroup()
        nonisolated(unsafe) var stdout = Data()
        nonisolated(unsafe) var stderr = Data()
        for (pipe, isOut) in [(out, true), (err, false)] {
            group.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                if isOut { stdout = data } else { stderr = data }
                group.leave()
            }
        }
        var killed = false
        if group.wait(timeout: .now() + limit) == .timedOut {
            // SIGKILL: a test runner may hand its children SIGTERM ignored.
            kill(process.processIdentifier, SIGKILL)
            killed = true
            group.wait()
        }
        process.waitUntilExit()
        return Result(status: killed ? nil : process.terminationStatus, stdout: stdout, stderr: stderr,
                      seconds: Date().timeIntervalSince(start))
    }
}
