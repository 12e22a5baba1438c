import CSiTKit
import Experiments
import Foundation
import HistoData
import Training
import XCTest

/// The plan's wall-clock estimate: each run's GFLOPs over the measured rate of its model and
/// workload, by mode, and the images it counts.
final class PlanEstimateTests: XCTestCase {
    static let nct = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("HistoDataTests/Fixtures/nct").path

    func plan(validation: Double = 0.1) throws -> Plan {
        let y = """
        name: est
        results: /nonexistent-results
        dataset: {kind: nct, root: \(Self.nct)}
        protocol: {folds: 3, seeds: [0], validation: \(validation)}
        model: {preset: csit-tiny, image_size: 32, token_stride: 8}
        ssl:
          dataset: {kind: unlabeled, root: \(Self.nct)}
          epochs: 2
          batch_size: 9
        modes: [ft, le, random-le]
        train: {epochs: 3, batch_size: 4}
        """
        return try Plan.make(try ExperimentSpec.parse(y, file: "est.yaml", checkPaths: false))
    }

    /// 27 images in 9 classes, 3 folds: 18 train the fold, 10 % of them validate.
    func testImagesOfARunFollowTheSplit() throws {
        let p = try plan()
        let ft = try XCTUnwrap(p.runs.first { $0.config.mode == .ft })
        XCTAssertEqual(ft.images.train, 18)
        // 10 % of 2 training images per class rounds to none, as the run carves it.
        XCTAssertEqual(ft.images.validation, 0)
        XCTAssertTrue(p.warnings.contains { $0.contains("holds no image (too few per class)") }, "\(p.warnings)")
        XCTAssertEqual(ft.images.test, 9)
        XCTAssertEqual(ft.images.evaluations, 3)
        XCTAssertEqual(p.sslRuns.first?.images.train, 27)
        XCTAssertEqual(ft.imageSteps, 18 * 3)
    }

    func testSecondsAreGFLOPsOverTheRateByMode() throws {
        let p = try plan()
        let store = RunStore(root: URL(fileURLWithPath: "/nonexistent-results"))
        let rate: (CSiTConfig, CSiTConfig.Workload) -> Double = { _, w in w == .inference ? 20 : 10 }
        let e = try PlanEstimate.make(p, store: store, threads: 4, rate: rate)
        XCTAssertEqual(e.lines.map(\.mode), ["ssl", "ft", "le", "random-le"])
        XCTAssertEqual(e.lines.map(\.runs), [1, 3, 3, 3])
        let model = try CSiTConfig.preset("csit-tiny", imageSize: 32, tokenStride: 8)
        // One ft run: 18 images × 3 epochs of training; no validation image, so 3 evaluations of
        // the 9 test images (as published) and the final one.
        let ft = PlanEstimate.secondsPerRun + (18.0 * 3 * model.gflopPerImage(.training)) / 10 + (3.0 * 9 + 9) * model.gflopPerImage(.inference) / 20
        XCTAssertEqual(e.lines[1].seconds, 3 * ft, accuracy: 1e-9 * ft)
        let ssl = PlanEstimate.secondsPerRun + 27.0 * 2 * model.gflopPerImage(.ssl) / 10
        XCTAssertEqual(e.lines[0].seconds, ssl, accuracy: 1e-9 * ssl)
        XCTAssertLessThan(e.lines[2].seconds, e.lines[1].seconds, "a frozen backbone costs less than fine-tuning")
        XCTAssertEqual(e.lines[2].seconds, e.lines[3].seconds, "a control costs what its probe costs")
        XCTAssertEqual(e.coreHours, e.seconds * 4 / 3600, accuracy: 1e-12)
        // Twice the rate, half the arithmetic's time.
        let fast = try PlanEstimate.make(p, store: store, threads: 4) { rate($0, $1) * 2 }
        let fixed = 10 * PlanEstimate.secondsPerRun
        XCTAssertEqual(fast.seconds - fixed, (e.seconds - fixed) / 2, accuracy: 1e-9 * e.seconds)
        XCTAssertTrue(e.render().contains("\n  total       10 runs"), e.render())
    }

    /// Without a validation split, per-epoch evaluation reads the test split (as published).
    func testWithoutValidationEpochsEvaluateOnTheTestSplit() throws {
        let ft = try XCTUnwrap(try plan(validation: 0).runs.first { $0.config.mode == .ft })
        XCTAssertEqual(ft.images.validation, 0)
        XCTAssertEqual(ft.images.train, 18)
    }

    /// Before the data is in place, the public datasets are costed at their published
    /// counts (NCT by folder name), the user's unlabeled set at --assume-images or not at all.
    func testMissingPublicDatasetsAreCostedAtTheirPublishedCounts() throws {
        let y = """
        name: paper
        dataset: {kind: nct, root: /nonexistent/NCT-CRC-HE-100K, test_root: /nonexistent/CRC-VAL-HE-7K}
        protocol: {seeds: [0]}
        ssl:
          dataset: {kind: unlabeled, root: /nonexistent/unlabeled}
        modes: [ssl-ft]
        """
        let spec = try ExperimentSpec.parse(y, file: "paper.yaml", checkPaths: false)
        let plan = try Plan.make(spec)
        let run = try XCTUnwrap(plan.runs.first { $0.config.mode == .sslft })
        XCTAssertEqual(run.images.train, 90_000, "100,000 less the 10 % validation split")
        XCTAssertEqual(run.images.test, 7_180)
        XCTAssertEqual(plan.sslRuns.first?.images.train, 0)
        let store = RunStore(root: URL(fileURLWithPath: "/nonexistent/results"))
        let e = try PlanEstimate.make(plan, store: store, threads: 2) { _, _ in 100 }
        XCTAssertEqual(e.uncosted, 1)
        XCTAssertTrue(e.render().contains("not costed: 1 run whose data is not in place"), e.render())
        let assumed = try Plan.make(spec, assumedImages: 600_000)
        XCTAssertEqual(assumed.sslRuns.first?.images.train, 600_000)
        XCTAssertEqual(try PlanEstimate.make(assumed, store: store, threads: 2) { _, _ in 100 }.uncosted, 0)
        XCTAssertEqual(KnownDataset.expectedImages(root: "/d/BreaKHis_v1", kind: .breakhis, zoom: "400X"), 1_820)
        XCTAssertNil(KnownDataset.expectedImages(root: "/d/my-tiles", kind: .nct))
    }
}
