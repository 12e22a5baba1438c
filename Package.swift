// swift-tools-version:5.9
import PackageDescription

// x86-64 builds target AVX2/FMA (every server CPU since 2013); other architectures
// (Linux aarch64, Apple silicon) build the same portable SIMD code without them.
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-target-cpu", "haswell"], .when(platforms: [.linux])),
]
#else
let cpuFlags: [SwiftSetting] = []
#endif

// Only the tensor kernels drop bounds and overflow checks: no user input reaches them
// unvalidated, and they measurably need it (results/bench/ounchecked.md). Every other
// module keeps its preconditions, which is what user input reaches.
let kernelFlags: [SwiftSetting] = cpuFlags + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "csit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "csit", targets: ["csit"]),
        .executable(name: "csit-bench", targets: ["CSiTBench"]),
        .library(name: "TensorKit", targets: ["TensorKit"]),
        .library(name: "NeuralKit", targets: ["NeuralKit"]),
        .library(name: "CSiTKit", targets: ["CSiTKit"]),
        .library(name: "HistoData", targets: ["HistoData"]),
        .library(name: "Evaluation", targets: ["Evaluation"]),
        .library(name: "Collectives", targets: ["Collectives"]),
        .library(name: "TensorBoard", targets: ["TensorBoard"]),
        .library(name: "Training", targets: ["Training"]),
        .library(name: "Experiments", targets: ["Experiments"]),
        .library(name: "Slides", targets: ["Slides"]),
        .library(name: "Report", targets: ["Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTIFF", path: "Sources/CTIFF", pkgConfig: "libtiff-4",
                       providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg",
                       providers: [.apt(["libjpeg-dev"])]),
        .target(name: "CImageShims", dependencies: ["CJPEG", "CTIFF"],
                cSettings: [.unsafeFlags(["-O2"])],
                linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("tiff")]),
        .target(name: "CProcessShim"),
        .systemLibrary(name: "COpenSlide", path: "Sources/COpenSlide", pkgConfig: "openslide",
                       providers: [.apt(["libopenslide-dev"])]),
        .target(name: "Slides", dependencies: ["COpenSlide", "CTIFF", "HistoData", "Evaluation", "TensorKit"], exclude: ["README.md"], swiftSettings: cpuFlags),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "CMPIShim", dependencies: ["CMPI"], linkerSettings: [.linkedLibrary("mpi")]),
        .target(name: "Collectives", dependencies: ["TensorKit", "CMPIShim"], swiftSettings: cpuFlags),
        .target(name: "Evaluation", dependencies: ["TensorKit", "HistoData"], swiftSettings: cpuFlags),
        .target(name: "TensorBoard", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["README.md"]),
        .target(name: "Training", dependencies: ["TensorKit", "NeuralKit", "CSiTKit", "HistoData", "Slides", "Evaluation", "Collectives", "TensorBoard"],
                swiftSettings: cpuFlags),
        .target(name: "Experiments",
                dependencies: ["Training", "Evaluation", "HistoData", "CSiTKit", "TensorKit", "Collectives",
                               .product(name: "Yams", package: "Yams")]),
        .target(name: "Report", dependencies: ["Experiments", "Training", "Evaluation", "TensorKit"],
                exclude: ["README.md"]),
        .target(name: "HistoData", dependencies: ["TensorKit", "CPNG", "CImageShims", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: cpuFlags),
        .target(name: "TensorKit", dependencies: ["CBLAS"], swiftSettings: kernelFlags),
        .target(name: "NeuralKit", dependencies: ["TensorKit"], swiftSettings: cpuFlags),
        .target(name: "CSiTKit", dependencies: ["TensorKit", "NeuralKit"], swiftSettings: cpuFlags),
        .executableTarget(
            name: "csit",
            dependencies: [
                "TensorKit", "NeuralKit", "CSiTKit", "HistoData", "Evaluation", "Training", "Experiments", "Report", "CProcessShim", "Collectives", "Slides",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .executableTarget(
            name: "CSiTBench",
            dependencies: ["TensorKit", "NeuralKit", "CSiTKit", "HistoData", "Collectives",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: kernelFlags),
        .testTarget(name: "TensorKitTests", dependencies: ["TensorKit"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "NeuralKitTests", dependencies: ["NeuralKit", "TensorKit"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "HistoDataTests", dependencies: ["HistoData", "TensorKit"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "HistoData", "TensorKit"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CollectivesTests", dependencies: ["Collectives", "TensorKit"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["TensorBoard"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "CSiTKit", "HistoData", "Evaluation", "TensorKit", "Collectives"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Training", "HistoData", "TensorKit"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Experiments", "Evaluation"],
                    resources: [.copy("Golden"), .copy("Fixtures")]),
        .testTarget(name: "CLITests", dependencies: ["csit", "HistoData", "CSiTKit", "NeuralKit", "Slides", "TensorKit", "Evaluation", "Experiments", "Training", "TensorBoard"],
                    resources: [.copy("Golden"), .copy("Hostile")]),
        .testTarget(name: "SlidesTests", dependencies: ["Slides", "HistoData", "TensorKit"]),
        .testTarget(name: "CSiTKitTests", dependencies: ["CSiTKit", "NeuralKit", "TensorKit"],
                    resources: [.copy("Fixtures")]),
    ]
)
