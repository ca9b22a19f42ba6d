import Foundation
import Machine
import Testing
import VirtioDriver

/// Replays every input the fuzzer ever crashed on, plus a few hand-made seeds, in both formats.
@Suite struct FuzzRegressionTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("FuzzCrashes")

    static var savedInputs: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted()
    }

    @Test func savedCrashInputsRunClean() throws {
        for name in Self.savedInputs {
            let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
            for packed in [false, true] {
                VirtqueueFuzzHarness.forcedFormat = packed
                data.withUnsafeBytes { VirtqueueFuzzHarness.run($0) }
            }
        }
        VirtqueueFuzzHarness.forcedFormat = nil
    }

    /// Random garbage of many shapes runs clean (a smoke test of the harness itself).
    @Test func randomInputsRunClean() {
        var rng = SplitMix64(seed: 42)
        var ran = 0
        for _ in 0..<300 {
            var bytes = [UInt8](repeating: 0, count: Int.random(in: 3...0x3200, using: &rng))
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            bytes[2] = 255
            bytes.withUnsafeBytes { VirtqueueFuzzHarness.run($0) }
            ran += 1
        }
        #expect(ran == 300)
    }
}
