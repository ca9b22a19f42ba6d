// swift-tools-version: 6.1
// libFuzzer target for the virtqueue engine. Build and run with ../Scripts/fuzz-virtqueue.sh
// (swift build -c release --sanitize=fuzzer inside this folder).
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
