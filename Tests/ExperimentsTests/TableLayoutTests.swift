import XCTest
import Evaluation
import Experiments
import Foundation
import Training

/// Tables in the paper's layouts: a dimension pivoted onto the columns with a Mean column,
/// bootstrap intervals for single-run cells, the sweep point chosen on validation.
final class TableLayoutTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-tables-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    let breakhis = """
    name: z
    dataset: {kind: breakhis, root: /nowhere}
    protocol:
      folds: 2
      zooms: [40X, 100X]
    modes: [ft]
    tables:
      - name: zoom
        rows: mode

    """

    func expectError(_ yaml: String, _ text: String, line: UInt = #line) {
        XCTAssertThrowsError(try ExperimentSpec.parse(yaml, file: "s.yaml", checkPaths: false), line: line) { e in
            XCTAssertTrue("\(e)".contains(text), "\(e)", line: line)
        }
    }

    func testPivotMistakesAreLocatedSpecErrors() {
        expectError(breakhis + "    columns_by: zoom\n    columns: [accuracy, macro_f1]\n",
                    "s.yaml:11:14: tables[0].columns = accuracy, macro_f1: expected one metric")
        expectError(breakhis.replacingOccurrences(of: "  zooms: [40X, 100X]\n", with: "") + "    columns_by: zoom\n    columns: [accuracy]\n",
                    "s.yaml:9:17: tables[0].columns_by = zoom: expected a dimension the spec varies (zoom takes only 'all')")
        expectError(breakhis.replacingOccurrences(of: "[40X, 100X]", with: "[40X]") + "    columns_by: zoom\n    columns: [accuracy]\n",
                    "tables[0].columns_by = zoom: expected a dimension the spec varies (zoom takes only '40X')")
        expectError(breakhis + "    columns_by: mode\n    columns: [accuracy]\n", "tables[0].columns_by = mode: expected a dimension other than the rows'")
        expectError(breakhis + "    columns_by: zoom\n    columns: [accuracy]\n    reference:\n      FT: {400X: 90}\n",
                    "tables[0].reference.FT.400X = 400X: expected one of the zoom values 40X, 100X, Mean")
        expectError(breakhis + "    columns_by: zoom\n    columns: [accuracy]\n    intervals: always\n", "tables[0].intervals = always: expected one of none, bootstrap")
    }

    /// Metrics whose accuracy is `correct` of 20 images (two classes).
    func metrics(correct: Int) -> ClassificationMetrics {
        let labels = (0..<20).map { $0 % 2 }
        return ClassificationMetrics(labels: labels, probabilities: labels.enumerated().map { i, y in
            (i < correct ? y : 1 - y) == 1 ? [0.2, 0.8] : [0.8, 0.2]
        }, classes: ["a", "b"])
    }

    func write(_ m: ClassificationMetrics, extra: [String: Any] = [:], run: PlannedRun, store: RunStore) throws {
        var object = try JSONSerialization.jsonObject(with: m.json()) as! [String: Any]
        object.merge(extra) { _, b in b }
        try FileManager.default.createDirectory(at: store.dir(run.id), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: object).write(to: store.dir(run.id).appendingPathComponent("metrics.json"))
        try JSONEncoder().encode(run.config).write(to: store.dir(run.id).appendingPathComponent("config.json"))
        try store.setStatus(run.id, .done)
    }

    func testZoomsBecomeColumnsWithAMeanOfTheirMeans() throws {
        let spec = try ExperimentSpec.parse(breakhis + """
                columns_by: zoom
                columns: [accuracy]
                percent: true
                format: "%.1f"
                reference:
                  FT: {40X: 80, Mean: 70}

            """, file: "s.yaml", checkPaths: false, baseDir: work)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        // 40X: 16/20 and 18/20 (mean 85 %); 100X: 12/20 and one run missing (60 %).
        var correct = ["40X": [16, 18], "100X": [12]]
        for run in plan.runs {
            guard let zoom = run.labels[0].zoom, let c = correct[zoom]?.first else { continue }
            correct[zoom]?.removeFirst()
            try write(metrics(correct: c), run: run, store: store)
        }
        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        XCTAssertEqual(t.columns, ["40X", "100X", "Mean"])
        XCTAssertEqual(t.rows, ["FT"])
        XCTAssertEqual(t.pivot, "zoom")
        let cells = t.cells[0].map { try? XCTUnwrap($0) }
        XCTAssertEqual(cells[0]?.mean ?? 0, 0.85, accuracy: 1e-12)
        XCTAssertEqual(cells[1]?.mean ?? 0, 0.60, accuracy: 1e-12)
        XCTAssertEqual(cells[2]?.mean ?? 0, 0.725, accuracy: 1e-12, "the mean of the per-zoom means, not of the 3 runs (0.767)")
        XCTAssertEqual(cells[2]?.meanOf, 2)
        XCTAssertEqual(cells[2]?.n, 3)
        XCTAssertEqual(cells[2]?.expected, 4)
        XCTAssertEqual(t.missing.count, 1)
        let md = t.markdown
        XCTAssertTrue(md.contains("| Accuracy (%) | 40X | Δ ref | 100X | Δ ref | Mean | Δ ref |"), md)
        XCTAssertTrue(md.contains("| FT | 85.0 ± 7.1 | +5.000 | 60.0 (1/2) |  | 72.5 (3/4) | +2.500 |"), md)
        XCTAssertTrue(md.contains("Mean: the unweighted mean of the 2 per-zoom means"), md)
        XCTAssertTrue(t.latex.contains("Accuracy (\\%) & 40X & 100X & Mean"), t.latex)
        XCTAssertTrue(t.csv.hasPrefix("row,40X_mean,40X_std,40X_n,40X_expected,100X_mean"), t.csv)
        try t.write(to: work)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: work.appendingPathComponent("zoom.json"))) as! [String: Any]
        XCTAssertEqual(side["columns"] as? [String], ["40X", "100X", "Mean"])
        XCTAssertEqual(((side["cells"] as? [String: [String: [String: Any]]])?["FT"]?["Mean"]?["mean_of"]) as? Int, 2)
    }

    func testSingleRunCellsShowTheirBootstrapInterval() throws {
        let yaml = "name: n\ndataset: {kind: nct, root: /nowhere, test_root: /nowhere-test}\nmodes: [ft]\n"
            + "tables:\n  - columns: [accuracy, macro_auc]\n    intervals: bootstrap\n"
        let spec = try ExperimentSpec.parse(yaml, file: "n.yaml", checkPaths: false, baseDir: work)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        var m = metrics(correct: 18)
        m.intervals = ConfidenceIntervals(method: PercentileBootstrap.method, resamples: 1000, level: 0.95, bounds: [.accuracy: 0.8...0.95])
        try write(m, run: plan.runs[0], store: store)
        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        XCTAssertEqual(t.cells[0][0]?.interval, [0.8, 0.95])
        XCTAssertNil(t.cells[0][1]?.interval, "AUC has no interval")
        XCTAssertTrue(t.markdown.contains("| FT | 0.900 [0.800, 0.950] | 0.900 |"), t.markdown)
        XCTAssertTrue(t.markdown.contains("Brackets: the 95 % percentile-bootstrap confidence interval of a single run"), t.markdown)
        XCTAssertTrue(t.csv.contains("accuracy_low,accuracy_high"), t.csv)
    }

    func testSeveralRunsKeepTheirSpreadOverRuns() throws {
        let spec = try ExperimentSpec.parse(breakhis + "    columns: [accuracy]\n    intervals: bootstrap\n", file: "s.yaml", checkPaths: false, baseDir: work)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for (k, run) in plan.runs.enumerated() {
            var m = metrics(correct: 14 + k)
            m.intervals = ConfidenceIntervals(method: PercentileBootstrap.method, resamples: 1000, level: 0.95, bounds: [.accuracy: 0.5...0.9])
            try write(m, run: run, store: store)
        }
        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        XCTAssertNil(t.cells[0][0]?.interval)
        XCTAssertTrue(t.markdown.contains("±"), t.markdown)
        XCTAssertTrue(t.markdown.contains("no cell holds a single run"), t.markdown)
    }

    func sweepSpec(validation: Double) throws -> ExperimentSpec {
        try ExperimentSpec.parse("""
            name: s
            dataset: {kind: nct, root: /nowhere}
            protocol: {folds: 2, validation: \(validation)}
            modes: [ft]
            train: {best_metric: macro_f1}
            sweep:
              grid:
                train.lr: [1.0e-3, 3.0e-3]
            tables:
              - rows: sweep
                columns: [accuracy]

            """, file: "s.yaml", checkPaths: false, baseDir: work)
    }

    /// lr 1e-3 wins on test, 3e-3 on validation: the mark goes to 3e-3.
    func testBestSweepPointIsChosenOnValidationNotTest() throws {
        let spec = try sweepSpec(validation: 0.1)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for run in plan.runs {
            let low = run.labels[0].sweep.contains("1.0e-3")
            let record: [String: Any] = ["epoch": 3, "metric": "macro_f1", "scores": ["macro_f1": low ? 0.6 : 0.7, "accuracy": low ? 0.9 : 0.5]]
            if run.labels[0].fold == 0 || !low {
                try write(metrics(correct: low ? 19 : 12), extra: ["validation": record], run: run, store: store)
            } else {
                // A run finished before metrics.json recorded validation: its log.jsonl tells.
                try write(metrics(correct: 19), run: run, store: store)
                let line = #"{"epoch":3,"steps":1,"lr":0.001,"loss":1,"lossParts":{},"imagesPerSecond":1,"seconds":1,"validation":{"macro_f1":0.6}}"#
                try (line + "\n").write(to: store.dir(run.id).appendingPathComponent("log.jsonl"), atomically: true, encoding: .utf8)
            }
        }
        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        let best = try XCTUnwrap(t.bestOnValidation)
        XCTAssertEqual(best.chosen, ["train.lr=3.0e-3"])
        XCTAssertEqual(best.metric, "macro_f1")
        XCTAssertEqual(best.scores["train.lr=1.0e-3"] ?? 0, 0.6, accuracy: 1e-12)
        XCTAssertEqual(best.runs["train.lr=3.0e-3"], 2)
        XCTAssertGreaterThan(t.cells[0][0]!.mean, t.cells[1][0]!.mean, "the test values favour the other point")
        XCTAssertTrue(t.markdown.contains("| train.lr=3.0e-3 ▲ |"), t.markdown)
        XCTAssertTrue(t.markdown.contains("▲ best on validation macro F1 (mean over 2 runs per point); test values shown."), t.markdown)
        XCTAssertTrue(t.csv.contains(",best_on_validation\n"), t.csv)
        try t.write(to: work)
        let side = try JSONSerialization.jsonObject(with: Data(contentsOf: work.appendingPathComponent("main.json"))) as! [String: Any]
        XCTAssertEqual((side["best_on_validation"] as? [String: Any])?["chosen"] as? [String], ["train.lr=3.0e-3"])
    }

    func testNoValidationSplitMarksNothingAndSaysWhy() throws {
        let spec = try sweepSpec(validation: 0)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for run in plan.runs { try write(metrics(correct: 15), run: run, store: store) }
        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        XCTAssertEqual(t.bestOnValidation?.chosen, [])
        XCTAssertFalse(t.markdown.contains("▲"), t.markdown)
        XCTAssertTrue(t.markdown.contains("No sweep point is marked: the runs have no validation split (validation: 0, as published)"), t.markdown)
    }

    /// Found by review: rows by zoom pooled both points of a sweep into one cell (n = 2 ×
    /// folds), and a mode the sweep does not touch got a ▲ on identical rows.
    func testSweepPointsAreNeverPooledAndUntouchedModesAreNotMarked() throws {
        let zoom = try ExperimentSpec.parse(breakhis.replacingOccurrences(of: "rows: mode", with: "rows: zoom")
                                            + "    columns: [accuracy]\nsweep:\n  grid:\n    train.lr: [1.0e-3, 3.0e-3]\n",
                                            file: "s.yaml", checkPaths: false, baseDir: work)
        let zoomPlan = try Plan.make(zoom)
        let zoomStore = RunStore(root: zoom.resultsDir)
        for run in zoomPlan.runs { try write(metrics(correct: 15), run: run, store: zoomStore) }
        let zt = try XCTUnwrap(ResultTable.make(zoomPlan, store: zoomStore).first)
        XCTAssertEqual(zt.rows, ["40X [train.lr=1.0e-3]", "100X [train.lr=1.0e-3]", "40X [train.lr=3.0e-3]", "100X [train.lr=3.0e-3]"])
        XCTAssertTrue(zt.cells.allSatisfy { $0[0]?.n == 2 }, "one cell, one point: the 2 folds")

        let spec = try ExperimentSpec.parse("""
            name: s
            dataset: {kind: nct, root: /nowhere}
            protocol: {folds: 2, validation: 0.1}
            ssl: {checkpoint: /ssl.safetensors}
            modes: [ft, le]
            sweep:
              grid:
                train.ft.lr: [1.0e-3, 3.0e-3]
            tables:
              - rows: sweep
                columns: [accuracy]

            """, file: "s.yaml", checkPaths: false, baseDir: work)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for run in plan.runs {
            let score = run.config.mode == .le ? 0.5 : (run.config.lr == 1e-3 ? 0.6 : 0.7)
            let record: [String: Any] = ["epoch": 3, "metric": "accuracy", "scores": ["accuracy": score]]
            try write(metrics(correct: 15), extra: ["validation": record], run: run, store: store)
        }
        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        XCTAssertEqual(t.bestOnValidation?.chosen, ["FT · train.ft.lr=3.0e-3"], "\(t.rows)")
    }

    /// Found by review: a label-fraction row (`10 %`) commented out the rest of its LaTeX
    /// line, and a sweep label's `_` broke it.
    func testLaTeXEscapesLabelsAndHeaders() throws {
        let spec = try ExperimentSpec.parse("""
            name: s
            dataset: {kind: nct, root: /nowhere}
            protocol: {folds: 2, label_fractions: [0.1, 1.0]}
            modes: [ft]
            sweep:
              grid:
                train.weight_decay: [0.01, 0.05]
            tables:
              - rows: label_fraction
                columns: [accuracy]

            """, file: "s.yaml", checkPaths: false, baseDir: work)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for run in plan.runs { try write(metrics(correct: 15), run: run, store: store) }
        let tex = try XCTUnwrap(ResultTable.make(plan, store: store).first).latex
        XCTAssertTrue(tex.contains("10 \\% [train.weight\\_decay=0.01] & "), tex)
        XCTAssertFalse(tex.contains(" %"), "no unescaped comment character: \(tex)")
    }
}
