// swift-tools-version:5.9
import PackageDescription

// libFuzzer targets for the readers of untrusted input: experiment specs, safetensors
// files and PNG, JPEG and TIFF images. Built and run by `make fuzz` (tools/fuzz.sh) with
// `-sanitize=fuzzer,address` on every Swift module, never by `swift build` of the main
// package. Each target's entry point hands its one-input function to libFuzzer's driver.
func fuzzer(_ name: String, _ products: [String]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzDriver"] + products.map { .product(name: $0, package: "csit") },
                      swiftSettings: [.unsafeFlags(["-parse-as-library"])])
}

let package = Package(
    name: "csit-fuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "csit", path: "..")],
    targets: [
        .target(name: "FuzzDriver"),
        fuzzer("FuzzSpec", ["Experiments"]),
        fuzzer("FuzzSafeTensors", ["TensorKit"]),
        fuzzer("FuzzPNG", ["HistoData"]),
        fuzzer("FuzzJPEG", ["HistoData"]),
        fuzzer("FuzzTIFF", ["HistoData"]),
    ]
)
