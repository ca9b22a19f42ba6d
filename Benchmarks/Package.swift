// swift-tools-version: 6.1
// package-benchmark suites for xemu. Run: cd Benchmarks && swift package benchmark
import PackageDescription

let package = Package(
    name: "XemuBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "xemu", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "VirtqueueFormats",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "VirtqueueBench", package: "xemu"),
            ],
            path: "Benchmarks/VirtqueueFormats",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
