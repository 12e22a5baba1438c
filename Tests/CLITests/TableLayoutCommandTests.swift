import Evaluation
import Experiments
import Foundation
import TensorKit
import Training
import XCTest

/// `csit table` goldens for the paper's layouts, from results folders whose metrics are
/// written here (no training numerics): the per-magnification pivot and the NCT table with
/// bootstrap intervals.
final class TableLayoutCommandTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-layout-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// Writes the spec, plans it and gives each downstream run the metrics `make` returns.
    func results(_ yaml: String, _ make: (Int, PlannedRun) -> ClassificationMetrics) throws -> String {
        let path = work.appendingPathComponent("spec.yaml").path
        try ("name: layout\nresults: \(work.appendingPathComponent("res").path)\ntrain: {batch_size: 4}\n" + yaml).write(toFile: path, atomically: true, encoding: .utf8)
        let plan = try Plan.make(try ExperimentSpec.load(path, checkPaths: false))
        let store = RunStore(root: work.appendingPathComponent("res"))
        for (k, run) in plan.runs.filter({ $0.config.mode != .ssl }).enumerated() {
            try FileManager.default.createDirectory(at: store.dir(run.id), withIntermediateDirectories: true)
            try make(k, run).json().write(to: store.dir(run.id).appendingPathComponent("metrics.json"))
            try JSONEncoder().encode(run.config).write(to: store.dir(run.id).appendingPathComponent("config.json"))
            try store.setStatus(run.id, .done)
        }
        return path
    }

    /// Nine classes, 27 images, all right but `wrong` of them.
    func metrics(wrong: Int) -> ClassificationMetrics {
        let labels = (0..<27).map { $0 % 9 }
        let probs = labels.enumerated().map { i, y in (0..<9).map { c -> Double in c == (i < wrong ? (y + 1) % 9 : y) ? 0.9 : 0.1 / 8 } }
        return ClassificationMetrics(labels: labels, probabilities: probs, classes: (0..<9).map(String.init))
    }

    func testZoomColumnsGolden() throws {
        let spec = try results("""
            dataset: {kind: breakhis, root: Tests/HistoDataTests/Fixtures/breakhis/BreaKHis_v1}
            protocol: {folds: 2, zooms: [40X, 100X, 200X, 400X]}
            ssl: {checkpoint: /nowhere/ssl.safetensors}
            modes: [ssl-ft]
            tables:
              - name: zoom
                title: Tiny BreakHis accuracy (%) per magnification
                columns_by: zoom
                columns: [accuracy]
                percent: true
                format: "%.2f"
                reference:
                  SSL+FT: {40X: 93.78, 100X: 93.12, 200X: 94.28, 400X: 94.39, Mean: 93.89}
            """) { k, _ in self.metrics(wrong: k % 3) }
        let (status, out) = try CLIRunner.run(["table", spec])
        XCTAssertEqual(status, 0, out)
        try CLIRunner.assertGolden(out, "table-zoom.md")
        let res = work.appendingPathComponent("res")
        try CLIRunner.assertGolden(try String(contentsOf: res.appendingPathComponent("zoom.tex"), encoding: .utf8), "table-zoom.tex")
        try CLIRunner.assertGolden(try String(contentsOf: res.appendingPathComponent("zoom.csv"), encoding: .utf8), "table-zoom.csv")
    }

    func testBootstrapIntervalsGolden() throws {
        let spec = try results("""
            dataset: {kind: nct, root: Tests/HistoDataTests/Fixtures/nct, test_root: Tests/HistoDataTests/Fixtures/nct}
            ssl: {checkpoint: /nowhere/ssl.safetensors}
            modes: [ft, ssl-ft]
            tables:
              - name: nct
                title: Tiny NCT table with intervals
                intervals: bootstrap
                columns: [accuracy, macro_f1, macro_auc]
            """) { k, run in
            var m = self.metrics(wrong: 3 + 2 * k)
            let labels = (0..<27).map { $0 % 9 }
            var rng = RNG(seed: run.config.seed, stream: PercentileBootstrap.stream)
            m.intervals = PercentileBootstrap().intervals(labels: labels, predicted: labels.enumerated().map { i, y in i < 3 + 2 * k ? (y + 1) % 9 : y },
                                                          classes: 9, rng: &rng)
            return m
        }
        let (status, out) = try CLIRunner.run(["table", spec])
        XCTAssertEqual(status, 0, out)
        try CLIRunner.assertGolden(out, "table-intervals.md")
    }
}
