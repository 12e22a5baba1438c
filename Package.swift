// swift-tools-version:5.9
import PackageDescription

// Kernels are compiled for AVX2/FMA on x86-64 (every server CPU since 2013); the
// flag is dropped elsewhere so the package still builds on ARM.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
    .unsafeFlags(["-Xcc", "-mavx2", "-Xcc", "-mfma", "-target-cpu", "haswell"],
                 .when(platforms: [.linux])),
]

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
        .library(name: "Training", targets: ["Training"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
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
        .target(name: "Evaluation", dependencies: ["TensorKit", "HistoData"], swiftSettings: kernelFlags),
        .target(name: "Training", dependencies: ["TensorKit", "NeuralKit", "CSiTKit", "HistoData", "Evaluation"],
                swiftSettings: kernelFlags),
        .target(name: "Experiments",
                dependencies: ["Training", "Evaluation", "HistoData", "CSiTKit", "TensorKit",
                               .product(name: "Yams", package: "Yams")]),
        .target(name: "HistoData", dependencies: ["TensorKit", "CPNG", "CImageShims"], swiftSettings: kernelFlags),
        .target(name: "TensorKit", dependencies: ["CBLAS"], swiftSettings: kernelFlags),
        .target(name: "NeuralKit", dependencies: ["TensorKit"], swiftSettings: kernelFlags),
        .target(name: "CSiTKit", dependencies: ["TensorKit", "NeuralKit"], swiftSettings: kernelFlags),
        .executableTarget(
            name: "csit",
            dependencies: [
                "TensorKit", "NeuralKit", "CSiTKit", "HistoData", "Evaluation", "Training", "Experiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ]),
        .executableTarget(
            name: "CSiTBench",
            dependencies: ["TensorKit", "NeuralKit", "CSiTKit", "HistoData",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: kernelFlags),
        .testTarget(name: "TensorKitTests", dependencies: ["TensorKit"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "NeuralKitTests", dependencies: ["NeuralKit", "TensorKit"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "HistoDataTests", dependencies: ["HistoData", "TensorKit"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", "HistoData", "TensorKit"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "CSiTKit", "HistoData", "Evaluation", "TensorKit"]),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "Training", "HistoData"]),
        .testTarget(name: "CLITests", dependencies: ["csit", "HistoData", "TensorKit", "Evaluation", "Experiments", "Training"],
                    resources: [.copy("Golden")]),
        .testTarget(name: "CSiTKitTests", dependencies: ["CSiTKit", "NeuralKit", "TensorKit"],
                    resources: [.copy("Fixtures")]),
    ]
)
