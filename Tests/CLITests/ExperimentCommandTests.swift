import Evaluation
import Experiments
import Foundation
import Training
import XCTest

/// The runner end to end on the NCT-layout fixture: plan golden, a sweep killed half way
/// and restarted, tables and diffs.
final class ExperimentCommandTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-exp-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    func writeSpec(results: String, extra: String = "") throws -> String {
        try TinySpec.write(results: results, in: work, extra: extra)
    }

    func testPlanGolden() throws {
        let spec = try writeSpec(results: work.appendingPathComponent("res").path,
                                 extra: "sweep:\n  grid:\n    train.lr: [1.0e-3, 2.0e-3]\n")
        let (status, out) = try CLIRunner.run(["plan", spec, "--no-estimate"])
        XCTAssertEqual(status, 0, out)
        try CLIRunner.assertGolden(out.replacingOccurrences(of: work.path, with: "<work>"), "plan-tiny.txt")
    }

    /// `csit plan` estimates the wall-clock time of a never-run spec per mode, from FLOPs and
    /// a calibration measured once per model and cached.
    func testPlanEstimatesTimeFromACachedCalibration() throws {
        let cache = work.appendingPathComponent("cache")
        let spec = try TinySpec.write(results: work.appendingPathComponent("res").path, in: work, withSSL: true)
        var (status, out) = try CLIRunner.run(["plan", spec], environment: ["CSIT_CACHE_DIR": cache.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("calibrating this machine: csit-tiny at 32 px"), out)
        XCTAssertTrue(out.contains("estimate on this machine (1 thread"), out)
        for mode in ["ssl", "ft", "ssl-ft", "total"] {
            XCTAssertNotNil(out.range(of: "\n  \(mode) +\\d+ runs? +\\d+m\\d\\ds\n", options: .regularExpression), "\(mode): \(out)")
        }
        XCTAssertTrue(out.contains("core-hours"), out)
        let cached = try JSONDecoder().decode([String: Double].self, from: Data(contentsOf: cache.appendingPathComponent("calibration.json")))
        XCTAssertEqual(cached.count, 3, "training, SSL and inference: \(cached.keys)")
        XCTAssertTrue(cached.values.allSatisfy { $0.isFinite && $0 > 0 })
        (status, out) = try CLIRunner.run(["plan", spec], environment: ["CSIT_CACHE_DIR": cache.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertFalse(out.contains("calibrating"), "the second plan reads the cache: \(out)")
    }

    func testKilledSweepRestartsWithoutRedoingFinishedRuns() throws {
        let results = work.appendingPathComponent("res")
        let spec = try writeSpec(results: results.path)
        var (status, out) = try CLIRunner.run(["run", spec, "--only", "fold=0"])
        XCTAssertEqual(status, 0, out)
        let plan = try Plan.make(try ExperimentSpec.load(spec, checkPaths: false))
        let store = RunStore(root: results)
        let ids = plan.runs.sorted { ($0.labels[0].fold ?? 0) < ($1.labels[0].fold ?? 0) }.map(\.id)
        XCTAssertTrue(store.isDone(ids[0]))
        XCTAssertFalse(store.isDone(ids[1]))
        let stamp = try FileManager.default.attributesOfItem(atPath: store.dir(ids[0]).appendingPathComponent("model.safetensors").path)[.modificationDate] as! Date
        // Fold 1 was "killed": its state says running, its lock names a dead process.
        try store.setStatus(ids[1], .running)
        try "\(ProcessInfo.processInfo.hostName) 999999\n".write(to: store.dir(ids[1]).appendingPathComponent("lock"), atomically: true, encoding: .utf8)
        XCTAssertEqual(store.status(ids[1]).state, .failed)
        (status, out) = try CLIRunner.run(["status", spec])
        XCTAssertTrue(CLIRunner.statusLine(out, ids[1]).contains("  failed"), out)
        (status, out) = try CLIRunner.run(["run", spec])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(ids.allSatisfy(store.isDone))
        let after = try FileManager.default.attributesOfItem(atPath: store.dir(ids[0]).appendingPathComponent("model.safetensors").path)[.modificationDate] as! Date
        XCTAssertEqual(stamp, after, "the finished run was not redone")
        // metrics.json records the bootstrap intervals (no validation record: 10 % of 2 images
        // per class holds out none, so no epoch was scored on validation).
        let written = try JSONSerialization.jsonObject(with: Data(contentsOf: store.dir(ids[1]).appendingPathComponent("metrics.json"))) as! [String: Any]
        XCTAssertEqual((written["intervals"] as? [String: Any])?["resamples"] as? Int, 1000)
        XCTAssertNil(written["validation"])
        XCTAssertTrue(out.contains("| FT |"), out)
        for f in ["main.md", "main.csv", "main.tex", "main.json", "events.jsonl"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent(f).path), f)
        }
        // A second runner finds nothing to do.
        (status, out) = try CLIRunner.run(["run", spec, "--dry-run"])
        XCTAssertTrue(out.contains("would run: \n") || out.hasSuffix("would run: \n"), out)
    }

    /// Found (issue 13): a finished run whose metrics.json was damaged dropped out of its cell
    /// (FT 0.250 ± 0.000 over 2 folds instead of 3) while status said done and table exited 0.
    /// Now the cell shows 2/3, table exits 3 naming the run unless --allow-partial, status
    /// says damaged. And --only with a typo (mode=sslft) planned nothing and exited 0.
    func testDamagedMetricsAndTyposAreNotSilent() throws {
        let res = work.appendingPathComponent("damaged")
        let spec = try writeSpec(results: res.path, extra: "")
        let plan = try Plan.make(try ExperimentSpec.load(spec, checkPaths: false))
        let store = RunStore(root: res)
        for run in plan.runs {
            let m = ClassificationMetrics(labels: (0..<27).map { $0 % 9 }, probabilities: (0..<27).map { i in (0..<9).map { $0 == i % 9 ? 0.9 : 0.0125 } },
                                          classes: (0..<9).map(String.init))
            try FileManager.default.createDirectory(at: store.dir(run.id), withIntermediateDirectories: true)
            try m.json().write(to: store.dir(run.id).appendingPathComponent("metrics.json"))
            try JSONEncoder().encode(run.config).write(to: store.dir(run.id).appendingPathComponent("config.json"))
            try store.setStatus(run.id, .done)
        }
        var (status, out) = try CLIRunner.run(["table", spec])
        XCTAssertEqual(status, 0, out)
        let damaged = plan.runs[1].id
        try Data("{\"accur".utf8).write(to: store.dir(damaged).appendingPathComponent("metrics.json"))
        (status, out) = try CLIRunner.run(["table", spec])
        XCTAssertEqual(status, 3, out)
        XCTAssertTrue(out.contains("missing from the tables: \(damaged) (done, but metrics.json missing or unreadable"), out)
        (status, out) = try CLIRunner.run(["table", spec, "--allow-partial"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("1.000 ± 0.000 (2/3)") && out.contains("**Incomplete:** 1 planned run has no test metrics"), out)
        (status, out) = try CLIRunner.run(["status", spec])
        XCTAssertTrue(CLIRunner.statusLine(out, damaged).contains("  damaged: metrics.json missing or unreadable"), out)
        (status, out) = try CLIRunner.run(["run", spec, "--only", "mode=sslft", "--dry-run"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("--only mode=sslft matches no planned run; mode is one of ft"), out)
    }

    /// Found (issue 13): `rows: sweep` without `modes:` averaged FT and SSL+FT runs into one
    /// cell. Rows of a table holding several modes now name the mode.
    func testRowsNeverPoolModes() throws {
        let res = work.appendingPathComponent("pool")
        let spec = try TinySpec.write(results: res.path, in: work, withSSL: true,
                                      extra: "sweep:\n  grid:\n    train.lr: [1.0e-3, 2.0e-3]\ntables:\n  - rows: sweep\n    columns: [accuracy]\n")
        let plan = try Plan.make(try ExperimentSpec.load(spec, checkPaths: false))
        let store = RunStore(root: res)
        for run in plan.runs where run.config.mode != .ssl {
            let right = run.config.mode == .ft ? 9 : 27
            let m = ClassificationMetrics(labels: (0..<27).map { $0 % 9 },
                                          probabilities: (0..<27).map { i in (0..<9).map { $0 == (i < right ? i % 9 : (i + 1) % 9) ? 0.9 : 0.0125 } },
                                          classes: (0..<9).map(String.init))
            try FileManager.default.createDirectory(at: store.dir(run.id), withIntermediateDirectories: true)
            try m.json().write(to: store.dir(run.id).appendingPathComponent("metrics.json"))
            try JSONEncoder().encode(run.config).write(to: store.dir(run.id).appendingPathComponent("config.json"))
            try store.setStatus(run.id, .done)
        }
        let (status, out) = try CLIRunner.run(["table", spec, "--allow-partial"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("| FT · train.lr=1.0e-3 | 0.333 ± 0.000 |"), out)
        XCTAssertTrue(out.contains("| SSL+FT · train.lr=1.0e-3 | 1.000 ± 0.000 |"), out)
        XCTAssertFalse(out.contains("0.667"), "no cell averages the two modes: \(out)")
    }

    /// Found (issue 13): csit plan accepted, with exit 0, a missing dataset root ("0
    /// image-steps"), 20 folds over classes of 3 images (81 runs of 1–2 test images), reference
    /// rows of no table, a batch larger than a training split and a warm-up as long as training.
    func testPlanChecksWhatWouldStopOrHollowARun() throws {
        let res = work.appendingPathComponent("checks").path
        func plan(_ spec: String, _ extra: [String] = []) throws -> (Int32, String) { try CLIRunner.run(["plan", spec] + extra) }
        /// The tiny spec with one text replaced, written as `file`.
        func tiny(_ file: String, replacing old: String, with new: String) throws -> String {
            let spec = try TinySpec.write(results: res, in: work, file: file)
            try String(contentsOfFile: spec, encoding: .utf8).replacingOccurrences(of: old, with: new).write(toFile: spec, atomically: true, encoding: .utf8)
            return spec
        }
        var spec = try tiny("missing.yaml", replacing: "Tests/HistoDataTests/Fixtures/nct", with: "/no/such/folder")
        var (status, out) = try plan(spec)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("dataset.root: no such file or folder '/no/such/folder'"), out)
        (status, out) = try plan(spec, ["--no-check-paths"])
        XCTAssertEqual(status, 0, out)
        spec = try tiny("folds.yaml", replacing: "folds: 3", with: "folds: 20")
        (status, out) = try plan(spec)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("protocol.folds = 20, but class ADI has 3 images"), out)
        spec = try TinySpec.write(results: res, in: work, file: "ref.yaml", extra: "tables:\n  - columns: [accuracy]\n    reference:\n      SSL+FT: {accuracy: 0.9}\n")
        (status, out) = try plan(spec)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("ref.yaml:22:15: tables[0].reference = SSL+FT: expected a row of the table (rows: FT)"), out)
        (status, out) = try CLIRunner.run(["run", spec, "--dry-run"])
        XCTAssertNotEqual(status, 0, "csit run refuses it too: \(out)")
        spec = try tiny("batch.yaml", replacing: "batch_size: 6", with: "batch_size: 60")
        (status, out) = try plan(spec)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("batch_size = 60, but the training split holds about 18 images"), out)
        spec = try tiny("warmup.yaml", replacing: "warmup_epochs: 0", with: "warmup_epochs: 1")
        (status, out) = try plan(spec)
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("warning:") && out.contains("warm-up (1 epochs) is not shorter than training (1)"), out)
        (status, out) = try CLIRunner.run(["run", spec, "--dry-run"])
        XCTAssertTrue(out.contains("warning:") && out.contains("warm-up (1 epochs)"), "csit run warns too: \(out)")
        (status, out) = try plan(spec, ["--assume-images", "0"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("--assume-images must be between 1 and 1,000,000,000, not 0"), out)
    }

    /// Tables and diffs from a results folder whose metrics are known (written here), so the
    /// goldens do not depend on training numerics.
    func testTableAndDiffGoldens() throws {
        let resA = work.appendingPathComponent("a"), resB = work.appendingPathComponent("b")
        let tables = """
        tables:
          - name: paper
            title: Tiny NCT table
            columns: [accuracy, macro_f1, kappa]
            reference:
              FT: {accuracy: 0.84, macro_f1: 0.78, kappa: 0.818}
        """
        for (res, shift) in [(resA, 0), (resB, 1)] {
            let spec = try writeSpec(results: res.path, extra: tables)
            let plan = try Plan.make(try ExperimentSpec.load(spec, checkPaths: false))
            let store = RunStore(root: res)
            for (k, run) in plan.runs.enumerated() {
                // Fold k predicts all but k + shift images right.
                let labels = (0..<27).map { $0 % 9 }
                let probs = labels.enumerated().map { i, y -> [Double] in
                    (0..<9).map { c in c == (i < k + shift ? (y + 1) % 9 : y) ? 0.9 : 0.1 / 8 }
                }
                let m = ClassificationMetrics(labels: labels, probabilities: probs, classes: (0..<9).map(String.init))
                try FileManager.default.createDirectory(at: store.dir(run.id), withIntermediateDirectories: true)
                try m.json().write(to: store.dir(run.id).appendingPathComponent("metrics.json"))
                var c = run.config
                if shift == 1 { c.lr = 1e-3 }
                // Started from another SSL run on each side: diff names the two runs; the
                // split seed is the same on both sides, so it is left out.
                c.initCheckpoint = RunIdentity.plannedPrefix + (shift == 0 ? "0a0a0a0a0a0a0a0a" : "1b1b1b1b1b1b1b1b")
                try JSONEncoder().encode(c).write(to: store.dir(run.id).appendingPathComponent("config.json"))
                try JSONEncoder().encode(run.labels).write(to: store.dir(run.id).appendingPathComponent(RunStore.specEntriesFile))
                try store.setStatus(run.id, .done)
            }
            if shift == 0 {
                let (status, out) = try CLIRunner.run(["table", spec])
                XCTAssertEqual(status, 0, out)
                try CLIRunner.assertGolden(out, "table-tiny.md")
                try CLIRunner.assertGolden(try String(contentsOf: res.appendingPathComponent("paper.tex"), encoding: .utf8), "table-tiny.tex")
            }
        }
        // csit runs: the three formats of one listing, a filter on a number, a sort, and
        // the errors of a typo.
        for (format, golden) in [("table", "runs-tiny.txt"), ("csv", "runs-tiny.csv"), ("json", "runs-tiny.json")] {
            let (status, out) = try CLIRunner.run(["runs", resA.path, "--sort", "-accuracy", "--format", format])
            XCTAssertEqual(status, 0, out)
            try CLIRunner.assertGolden(out, golden)
        }
        var (status, out) = try CLIRunner.run(["runs", resB.path, "--where", "lr=1e-3,fold=1", "--columns", "id,fold,lr,accuracy"])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(out.split(separator: "\n").count, 3, out)
        XCTAssertTrue(out.contains("0.001"), out)
        (status, out) = try CLIRunner.run(["runs", resA.path, "--sort", "-acuracy"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("--sort: no column 'acuracy' (did you mean 'accuracy'?)"), out)
        (status, out) = try CLIRunner.run(["runs", resA.path, "--where", "fold"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("--where 'fold': expected key=value"), out)
        for (format, golden) in [("markdown", "diff-tiny.md"), ("json", "diff-tiny.json"), ("csv", "diff-tiny.csv")] {
            let (status, out) = try CLIRunner.run(["diff", resA.path, resB.path, "--format", format])
            XCTAssertEqual(status, 0, out)
            try CLIRunner.assertGolden(out.replacingOccurrences(of: work.path, with: "<work>"), golden)
        }
        (status, out) = try CLIRunner.run(["diff", resA.path, resB.path, "--format", "html"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("html"), out)
    }
}
