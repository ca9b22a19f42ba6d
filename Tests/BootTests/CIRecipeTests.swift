import Foundation
import Testing

/// README's CI recipe, run exactly as README writes it: the shell block after the
/// `<!-- ci-recipe` marker, in a copy of the repository's `Examples/ci-recipe`, with the built
/// xemu first on the PATH.
@Suite struct CIRecipeTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The lines of the first ```sh block after the marker.
    static func recipe() throws -> String {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- ci-recipe"), "README has no ci-recipe marker")
        let rest = readme[marker.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"), "no sh block after the ci-recipe marker")
        let close = try #require(rest[open.upperBound...].range(of: "```"), "the ci-recipe block does not end")
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test func readmeRecipeBuildsAndPassesOnRiscv64() throws {
        _ = try BootRunner.image("Image")
        let xemu = try BootRunner.xemu()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("xemu-ci-recipe-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        try FileManager.default.createDirectory(at: work.appendingPathComponent("Examples"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("Examples/ci-recipe"),
                                         to: work.appendingPathComponent("Examples/ci-recipe"))
        let recipe = try Self.recipe()
        #expect(recipe.contains("xemu run"), "the recipe does not run xemu run:\n\(recipe)")

        let path = URL(fileURLWithPath: xemu).deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try RunProcess.run("/bin/bash", ["-e", "-c", recipe], in: work, environment: ["PATH": path], limit: 600)
        #expect(result.status == 0, "the recipe failed; stderr:\n\(result.stderrText.suffix(2000))")
        #expect(result.stdoutText.contains("all tests passed on riscv64"), "stdout: \(result.stdoutText)")
    }
}
