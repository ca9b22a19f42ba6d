// swift-tools-version: 6.1
// libFuzzer target for the virtqueue engine. Build and run with ../Scripts/fuzz-virtqueue.sh.
// Notes for Swift 6.3 on Linux: the flag is `swift build -c release --sanitize=fuzzer` (two
// dashes; `-sanitize=fuzzer` is refused), it instruments the whole dependency graph (xemu's
// targets and their packages) without trouble, and the fuzzer must run with
// SWIFT_BACKTRACE=enable=no: otherwise Swift's backtracer takes the trap signal first and
// libFuzzer never writes the crash input.
import PackageDescription

let package = Package(
    name: "XemuFuzz",
    dependencies: [
        .package(name: "xemu", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "VirtqueueFuzz",
            dependencies: [.product(name: "VirtioDriver", package: "xemu")],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
