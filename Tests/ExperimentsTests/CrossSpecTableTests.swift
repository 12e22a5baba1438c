import XCTest
import Evaluation
import Experiments
import Foundation
import Training

/// Tables whose columns draw runs from other specs (the published comparison with basic SSL
/// methods): runs are read by identity from each spec's results folder, reported rows are
/// marked and carry no runs, and every mistake is a located error when the spec is planned.
final class CrossSpecTableTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-cross-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try write("nct.yaml", """
            name: nct
            results: \(work.appendingPathComponent("res").path)
            dataset: {kind: nct, root: /nowhere/nct, test_root: /nowhere/nct-test}
            ssl: {dataset: {root: /nowhere/unlabeled}}
            modes: [ft, ssl-ft]
            """)
        try write("breakhis.yaml", """
            name: breakhis
            results: \(work.appendingPathComponent("res").path)
            dataset: {kind: breakhis, root: /nowhere/breakhis}
            protocol: {folds: 2}
            ssl: {dataset: {root: /nowhere/unlabeled}}
            modes: [ssl-ft]
            """)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: work.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// The comparison table: two columns from two specs, reported rows, a text column.
    var comparison: String {
        """
        name: cmp
        results: \(work.appendingPathComponent("res").path)
        tables:
          - name: cmp
            corner: Models
            format: "%.1f"
            percent: true
            columns:
              - {metric: macro_f1, header: NCT, spec: nct.yaml, modes: [ssl-ft]}
              - {metric: macro_f1, header: BreakHis, spec: breakhis.yaml, modes: [ssl-ft]}
            row_names: {SSL+FT: cSiT}
            reported:
              Autoencoder: {NCT: 37.0, BreakHis: 36.0}
            text_columns:
              Backbone: {Autoencoder: ResNet50, cSiT: CCT}
            reference:
              cSiT: {NCT: 93.0, BreakHis: 92.8}

        """
    }

    func parse(_ text: String) throws -> ExperimentSpec {
        try ExperimentSpec.parse(text, file: "s.yaml", checkPaths: false, baseDir: work)
    }

    func expectError(_ text: String, _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try Plan.make(try parse(text)), line: line) { e in
            XCTAssertTrue("\(e)".contains(message), "\(e)", line: line)
        }
    }

    /// Metrics of two classes, 20 images, `correct` of them right.
    func metrics(correct: Int) -> ClassificationMetrics {
        let labels = (0..<20).map { $0 % 2 }
        return ClassificationMetrics(labels: labels, probabilities: labels.enumerated().map { i, y in
            (i < correct ? y : 1 - y) == 1 ? [0.2, 0.8] : [0.8, 0.2]
        }, classes: ["a", "b"])
    }

    func finish(_ run: PlannedRun, _ m: ClassificationMetrics, store: RunStore) throws {
        try FileManager.default.createDirectory(at: store.dir(run.id), withIntermediateDirectories: true)
        try m.json().write(to: store.dir(run.id).appendingPathComponent("metrics.json"))
        try JSONEncoder().encode(run.config).write(to: store.dir(run.id).appendingPathComponent("config.json"))
        try store.setStatus(run.id, .done)
    }

    func testColumnsReadTheRunsOfTheirSpecsByIdentity() throws {
        let spec = try parse(comparison)
        XCTAssertNil(spec.design, "a spec of tables only")
        let plan = try Plan.make(spec)
        XCTAssertTrue(plan.runs.isEmpty, "it plans and trains nothing")
        let nct = try XCTUnwrap(plan.sources["nct.yaml"]), breakhis = try XCTUnwrap(plan.sources["breakhis.yaml"])
        // The same ids the specs plan on their own: the table shares their runs.
        XCTAssertEqual(nct.runs.map(\.id), try Plan.make(try ExperimentSpec.load(work.appendingPathComponent("nct.yaml").path, checkPaths: false)).runs.map(\.id))
        let store = RunStore(root: work.appendingPathComponent("res"))
        let nctFT = try XCTUnwrap(nct.runs.first { $0.config.mode == .sslft })
        try finish(nctFT, metrics(correct: 18), store: store)
        // FT is not selected: a perfect FT run must not reach the cSiT row.
        try finish(try XCTUnwrap(nct.runs.first { $0.config.mode == .ft }), metrics(correct: 20), store: store)
        let folds = breakhis.runs.filter { $0.config.mode == .sslft }
        XCTAssertEqual(folds.count, 2)
        try finish(folds[0], metrics(correct: 19), store: store)

        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        XCTAssertEqual(t.rows, ["Autoencoder", "cSiT"])
        XCTAssertEqual(t.columns, ["NCT", "BreakHis"])
        let reported = try XCTUnwrap(t.cells[0][0])
        XCTAssertEqual(reported.reported, true)
        XCTAssertEqual(reported.n, 0)
        XCTAssertEqual(reported.mean, 0.37, accuracy: 1e-12)
        let nctCell = try XCTUnwrap(t.cells[1][0]), breakhisCell = try XCTUnwrap(t.cells[1][1])
        XCTAssertEqual(nctCell.runs, [nctFT.id])
        XCTAssertEqual(nctCell.mean, metrics(correct: 18).macroF1, accuracy: 1e-12)
        XCTAssertEqual([breakhisCell.n, breakhisCell.expected], [1, 2], "one fold of two is done")
        XCTAssertEqual(t.missing, [folds[1].id])
        let md = t.markdown
        XCTAssertTrue(md.contains("| Models | NCT | Δ ref | BreakHis | Δ ref | Backbone |"), md)
        XCTAssertTrue(md.contains("| Autoencoder (reported) | 37.0 |  | 36.0 |  | ResNet50 |"), md)
        let f1 = metrics(correct: 19).macroF1 * 100
        XCTAssertTrue(md.contains(String(format: "| cSiT | 90.0 | %+.3f | %.1f (1/2) | %+.3f | CCT |", 90.0 - 93.0, f1, f1 - 92.8)), md)
        XCTAssertTrue(md.contains("NCT: modes ssl-ft of spec nct (nct data at `/nowhere/nct`; test set `/nowhere/nct-test`; seeds 0)"), md)
        XCTAssertTrue(md.contains("Rows marked (reported) are values reported in the literature"), md)
        XCTAssertTrue(t.csv.contains(",reported,Backbone\n"), t.csv)
        // Found by review: a `|` in free text (a text column, a row name) started a new cell.
        var piped = t
        piped.textColumns[0].values["cSiT"] = "CCT | ViT"
        XCTAssertTrue(piped.markdown.contains(#"| CCT \| ViT |"#), piped.markdown)
    }

    func testColumnMistakesAreLocatedAtPlanTime() throws {
        expectError(comparison.replacingOccurrences(of: "spec: breakhis.yaml", with: "spec: missing.yaml"),
                    "s.yaml:10:52: tables[0].columns[1].spec: no such file or folder 'missing.yaml'")
        expectError(comparison.replacingOccurrences(of: "spec: breakhis.yaml, modes: [ssl-ft]", with: "spec: breakhis.yaml, modes: [le]"),
                    "s.yaml:10:9: tables[0].columns[1] = modes le of breakhis.yaml: expected a selection with planned runs (breakhis plans modes ssl-ft)")
        expectError(comparison.replacingOccurrences(of: "modes: [ssl-ft]}\n      - {metric: macro_f1, header: BreakHis", with: "modes: [ssl-ft], zooms: [40X]}\n      - {metric: macro_f1, header: BreakHis"),
                    "tables[0].columns[0] = modes ssl-ft; zooms 40X of nct.yaml: expected a selection with planned runs (nct plans modes ft, ssl-ft)")
        expectError(comparison.replacingOccurrences(of: "Autoencoder: {NCT: 37.0", with: "Autoencoder: {NTC: 37.0"),
                    "tables[0].reported.Autoencoder.NTC = NTC: expected a column of the table (NCT, BreakHis)")
        expectError(comparison.replacingOccurrences(of: "cSiT: {NCT: 93.0", with: "cSiT: {nct: 93.0"),
                    "tables[0].reference.cSiT.nct = nct: expected a column of the table (NCT, BreakHis)")
        expectError(comparison.replacingOccurrences(of: "{SSL+FT: cSiT}", with: "{SSL+LE: cSiT}"),
                    "tables[0].row_names = SSL+LE: expected a row of the table (rows: SSL+FT)")
        expectError(comparison.replacingOccurrences(of: "Backbone: {Autoencoder", with: "Backbone: {Autoencodr"),
                    "tables[0].text_columns.Backbone = Autoencodr: expected a row of the table (rows: Autoencoder, cSiT)")
        expectError(comparison.replacingOccurrences(of: "header: BreakHis, ", with: "header: NCT, "),
                    "tables[0].columns[1] = NCT: expected a column no other column names")
        expectError("name: t\ntables:\n  - columns: [macro_f1]\n",
                    "s.yaml:3:15: tables[0].columns[0] = macro_f1: expected a column that names its spec (this spec has no dataset")
        expectError(comparison.replacingOccurrences(of: "tables:", with: "modes: [ft]\ntables:"), "s.yaml:1:1: missing required key 'dataset'")
    }

    /// A column may also select runs of its own spec: two columns of one metric, one per mode.
    func testColumnsOfTheSameSpecSelectByMode() throws {
        let spec = try parse("""
            name: own
            results: \(work.appendingPathComponent("own").path)
            dataset: {kind: nct, root: /nowhere/nct, test_root: /nowhere/nct-test}
            ssl: {dataset: {root: /nowhere/unlabeled}}
            modes: [ft, ssl-ft]
            tables:
              - rows: label_fraction
                columns:
                  - {metric: accuracy, header: FT, modes: [ft]}
                  - {metric: accuracy, header: SSL+FT, modes: [ssl-ft]}
            """)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for run in plan.runs where run.config.mode != .ssl { try finish(run, metrics(correct: run.config.mode == .ft ? 10 : 20), store: store) }
        let t = try XCTUnwrap(ResultTable.make(plan, store: store).first)
        XCTAssertEqual(t.rows, ["100 %"], "each column groups its own runs: the modes never split the rows")
        XCTAssertEqual(t.cells[0].map { $0?.mean }, [0.5, 1.0])
    }
}
