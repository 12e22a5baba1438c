import Experiments
import Foundation
import HistoData
import TensorKit
import XCTest

/// Replays every input the fuzzers ever saved (Fuzz/Crashes/<target>/) and the seed
/// corpora through the same readers, unsanitised: each must end in a value or a typed error.
final class FuzzRegressionTests: XCTestCase {
    func inputs(_ folder: String) throws -> [URL] {
        let dir = CLIRunner.repositoryRoot.appendingPathComponent(folder)
        guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") && $0 != "README.md" }
            .map { dir.appendingPathComponent($0) }
    }

    func testSavedFuzzInputsEndInAValueOrATypedError() throws {
        var replayed = 0
        for kind in ["Crashes", "Corpus"] {
            for url in try inputs("Fuzz/\(kind)/FuzzSpec") {
                if let text = String(data: try Data(contentsOf: url), encoding: .utf8) {
                    do {
                        let spec = try ExperimentSpec.parse(text, file: url.lastPathComponent, checkPaths: false)
                        if !spec.namesExistingData { _ = try Plan.make(spec) }   // as the fuzz target does
                    } catch { XCTAssertTrue(error is SpecError, "\(url.lastPathComponent): untyped \(error)") }
                }
                replayed += 1
            }
            for url in try inputs("Fuzz/\(kind)/FuzzSafeTensors") {
                do { _ = try SafeTensors.read(url) } catch { XCTAssertTrue(error is SafeTensorsError, "\(url.lastPathComponent): \(error)") }
                replayed += 1
            }
            for target in ["FuzzPNG", "FuzzJPEG", "FuzzTIFF"] {
                for url in try inputs("Fuzz/\(kind)/\(target)") {
                    do { _ = try ImageDecoder.decode(url) } catch { XCTAssertTrue(error is ImageError, "\(url.lastPathComponent): \(error)") }
                    replayed += 1
                }
            }
        }
        XCTAssertGreaterThan(replayed, 20, "the seed corpora are in place")
    }
}
