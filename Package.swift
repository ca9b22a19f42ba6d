// swift-tools-version: 6.1
// xemu: a multi-architecture system emulator. Module arrows follow ../shared/ARCHITECTURE.md:
// xemu -> Boards -> {Targets/*, Devices} -> {Virtio, PCI, Translator} -> Machine.
import PackageDescription

/// Release builds of guest-running code must not pay for exclusivity checks in hot loops;
/// every other safety check stays on.
let hotPathSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "xemu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "xemu", targets: ["xemu"]),
        // For the separate Fuzz/ and Benchmarks/ packages.
        .library(name: "Virtio", targets: ["Virtio", "Machine"]),
        .library(name: "VirtioDriver", targets: ["VirtioDriver"]),
        .library(name: "VirtqueueBench", targets: ["VirtqueueBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
    ],
    targets: [
        // C libraries from Debian packages (llvm-dev, libslirp-dev, libelf-dev, zlib1g-dev).
        .systemLibrary(name: "CLLVM", path: "Sources/CLLVM"),
        .systemLibrary(name: "CSlirp", path: "Sources/CSlirp"),
        .systemLibrary(name: "CElf", path: "Sources/CElf"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Linux calls Swift's Glibc module omits (fallocate); header only, nothing to link.
        .systemLibrary(name: "CHostIO", path: "Sources/CHostIO"),

        .target(
            name: "Machine",
            dependencies: [
                "CElf", "CZlib", "CSlirp", "CHostIO",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(name: "Virtio", dependencies: ["Machine"], swiftSettings: hotPathSettings),
        .target(name: "Devices", dependencies: ["Virtio", "Machine", "CHostIO"], swiftSettings: hotPathSettings),
        .target(name: "Translator", dependencies: ["Machine", "CLLVM"], swiftSettings: hotPathSettings),
        .target(name: "PCI", dependencies: ["Machine"], swiftSettings: hotPathSettings),
        .target(name: "VirtioPCI", dependencies: ["Virtio", "PCI", "Machine"], swiftSettings: hotPathSettings),
        .target(
            name: "RISCV64", dependencies: ["Translator", "Machine"], path: "Targets/RISCV64",
            swiftSettings: hotPathSettings
        ),
        .target(name: "Boards", dependencies: ["RISCV64", "Devices", "Translator", "VirtioPCI", "PCI", "Virtio", "Machine"],
                swiftSettings: hotPathSettings),
        .target(name: "VirtioDriver", dependencies: ["Virtio", "Machine"], swiftSettings: hotPathSettings),
        // Counts malloc calls for `xemu bench virtqueue` (glibc interposition; a no-op elsewhere).
        .target(name: "CMallocCounter"),
        // SVG bar chart and text table helpers shared by the `xemu bench` subcommands.
        .target(name: "BenchReport"),
        .target(
            name: "VirtqueueBench",
            dependencies: ["Virtio", "VirtioDriver", "Machine", "CMallocCounter", "BenchReport"],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "BlockBench",
            dependencies: ["Devices", "Virtio", "VirtioDriver", "Machine", "BenchReport"],
            swiftSettings: hotPathSettings
        ),
        .executableTarget(
            name: "xemu",
            dependencies: [
                "Boards", "Machine", "Virtio", "VirtqueueBench", "BlockBench", "CLLVM", "CSlirp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: hotPathSettings
        ),

        .testTarget(name: "MachineTests", dependencies: ["Machine"]),
        .testTarget(name: "DevicesTests", dependencies: ["Devices", "Virtio", "VirtioDriver", "VirtioPCI", "PCI", "Machine"]),
        // Runs riscv64 guest programs built at test time (Tests/GuestPrograms) on xemu, or on
        // qemu-system-riscv64 with XEMU_DIFF_TARGET=qemu-system; depends on xemu to build it.
        .testTarget(
            name: "GuestProgramTests",
            dependencies: ["Machine", "xemu"]
        ),
        .testTarget(name: "XemuTests", dependencies: ["xemu", "Machine", "Boards"]),
        .testTarget(name: "PCITests", dependencies: ["PCI", "Machine"]),
        // Boots real firmware and kernels from Images/out (Images/build.sh) on the xemu binary.
        .testTarget(name: "BootTests", dependencies: ["xemu"]),
        .testTarget(name: "TranslatorTests", dependencies: ["Translator", "Machine"]),
        .testTarget(name: "RISCV64Tests", dependencies: ["RISCV64", "Translator", "Machine", "Virtio", "VirtioDriver"]),
        .testTarget(
            name: "VirtioTests",
            dependencies: ["Virtio", "VirtioDriver", "VirtioPCI", "PCI", "Machine"],
            exclude: ["FuzzCrashes"],
            swiftSettings: hotPathSettings
        ),
    ]
)
