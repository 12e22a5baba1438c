import Foundation
import XCTest

/// `--dataset slides` and `dataset.kind: slides`: folders of whole slides (links to the
/// bundled Aperio SVS) tiled on the fly, for `csit train` and for planned, run experiments.
final class SlidesCommandTests: XCTestCase {
    var work: URL!
    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-slidescli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    static let svs = CLIRunner.repositoryRoot.appendingPathComponent("data/sample/cmu_small_region.svs").path

    /// Links the bundled SVS into `root` under each relative path.
    func slides(_ root: URL, _ paths: [String]) throws {
        for p in paths {
            let url = root.appendingPathComponent(p)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: Self.svs)
        }
    }

    /// SSL pretraining on a flat folder of slides, end to end; a tiling flag on another
    /// dataset is refused naming the setting.
    func testTrainSSLOnSlides() throws {
        let root = work.appendingPathComponent("archive")
        try slides(root, ["a.svs", "b.svs"])
        let cache = work.appendingPathComponent("cache")
        var (status, out) = try CLIRunner.run(["train", "--mode", "ssl", "--dataset", "slides", "--data", root.path, "--mpp", "0.5",
                                               "--tile", "64", "--tiles-per-slide", "8", "--tissue-threshold", "0.6", "--preset", "csit-tiny",
                                               "--image-size", "32", "--token-stride", "8", "--epochs", "1", "--batch-size", "8",
                                               "--warmup-epochs", "0", "--output", work.appendingPathComponent("ssl").path],
                                              environment: ["CSIT_CACHE_DIR": cache.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("ssl/model.safetensors").path), out)
        let config = try String(contentsOf: work.appendingPathComponent("ssl/config.json"), encoding: .utf8)
        for key in ["\"mpp\"", "\"tile\" : 64", "\"tiles_per_slide\" : 8", "\"tissue_threshold\" : 0.6"] {
            XCTAssertTrue(config.replacingOccurrences(of: "\": ", with: "\" : ").contains(key), "\(key) in \(config)")
        }
        // The two slides' tile indexes were cached.
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache.appendingPathComponent("slide-tiles").path)
        XCTAssertEqual(cached.count, 1, "one slide file behind both links, one tiling: \(cached)")
        (status, out) = try CLIRunner.run(["train", "--mode", "ssl", "--dataset", "unlabeled", "--data", root.path, "--mpp", "0.25",
                                           "--preset", "csit-tiny", "--image-size", "32", "--epochs", "1", "--batch-size", "8",
                                           "--output", work.appendingPathComponent("bad").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("mpp = 0.25: expected unset: it tiles whole slides and applies to dataset slides only"), out)
        // Found by review: evaluate on slides read tiles at another tiling, then failed on
        // every sample; it is one line pointing to what evaluates slides.
        (status, out) = try CLIRunner.run(["evaluate", "--checkpoint", work.appendingPathComponent("ssl/model.safetensors").path,
                                           "--data", root.path, "--dataset", "slides", "--output", work.appendingPathComponent("ev").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.hasPrefix("Error: --dataset slides: csit evaluate reads image folders"), out)
    }

    /// A labelled spec on class folders of slides plans and runs; a tiling key on an image
    /// dataset is refused at its line and column.
    func testSpecOnSlidesPlansAndRuns() throws {
        let root = work.appendingPathComponent("slides")
        try slides(root, ["normal/n1.svs", "tumor/t1.svs"])
        let test = work.appendingPathComponent("test-slides")
        try slides(test, ["normal/n2.svs", "tumor/t2.svs"])
        let results = work.appendingPathComponent("res")
        let spec = work.appendingPathComponent("slides.yaml")
        try """
        name: slides
        results: \(results.path)
        dataset: {kind: slides, root: \(root.path), test_root: \(test.path), mpp: 0.5, tile: 64, tiles_per_slide: 20, tissue_threshold: 0.5}
        model: {preset: csit-tiny, image_size: 32, token_stride: 8}
        protocol: {validation: 0}
        modes: [ft]
        train: {epochs: 1, batch_size: 6, warmup_epochs: 0, mixup: 0, cutmix: 0}
        """.write(to: spec, atomically: true, encoding: .utf8)
        var (status, out) = try CLIRunner.run(["plan", spec.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("1 run") || out.contains("runs: 1"), out)
        let planned = out
        (status, out) = try CLIRunner.run(["run", spec.path])
        XCTAssertEqual(status, 0, out)
        let runs = try FileManager.default.contentsOfDirectory(atPath: results.appendingPathComponent("runs").path).filter { $0 != "by-label" }
        XCTAssertEqual(runs.count, 1)
        XCTAssertTrue(planned.contains(runs[0]), "the planned id is the run's: \(planned)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent("runs/\(runs[0])/metrics.json").path))
        // Another tiling is another run.
        try String(contentsOf: spec, encoding: .utf8).replacingOccurrences(of: "tiles_per_slide: 20", with: "tiles_per_slide: 21")
            .write(to: spec, atomically: true, encoding: .utf8)
        (status, out) = try CLIRunner.run(["plan", spec.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertFalse(out.contains(runs[0]), out)

        let wrong = work.appendingPathComponent("wrong.yaml")
        try """
        name: wrong
        results: \(results.path)
        dataset:
          kind: nct
          root: Tests/HistoDataTests/Fixtures/nct
          tissue_threshold: 0.3
        model: {preset: csit-tiny, image_size: 32, token_stride: 8}
        modes: [ft]
        """.write(to: wrong, atomically: true, encoding: .utf8)
        (status, out) = try CLIRunner.run(["plan", wrong.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("wrong.yaml:6:21: dataset.tissue_threshold"), out)
        XCTAssertTrue(out.contains("applies to dataset slides only (dataset nct)"), out)
        // Found by review: a hold-out by tile, or folds and validation by tile, put tiles of
        // one slide in train and test.
        for (protocolText, expected) in [("protocol: {validation: 0}", "test_root = none: expected a test_root of other slides, or folds with group_by patient"),
                                         ("protocol: {folds: 2}", "group_by_patient = false: expected true for dataset slides")] {
            try (String(contentsOf: spec, encoding: .utf8).replacingOccurrences(of: "test_root: \(test.path), ", with: "")
                .replacingOccurrences(of: "protocol: {validation: 0}", with: protocolText))
                .write(to: wrong, atomically: true, encoding: .utf8)
            (status, out) = try CLIRunner.run(["plan", wrong.path])
            XCTAssertNotEqual(status, 0, out)
            XCTAssertTrue(out.contains(expected), out)
        }
    }
}
