import Foundation
import Training
import XCTest

/// The success paths of the commands a user starts with: data describe and split, train,
/// evaluate on the run's own test split, model check, run with --jobs/--threads and --run,
/// and the Slurm scripts (a golden, no cluster needed).
final class CommandSuccessTests: XCTestCase {
    var work: URL!
    let nct = "Tests/HistoDataTests/Fixtures/nct"

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-ok-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    func testDataDescribeAndSplit() throws {
        var (status, out) = try CLIRunner.run(["data", "describe", "--dataset", "nct", "--data", nct])
        XCTAssertEqual(status, 0, out)
        try CLIRunner.assertGolden(out.replacingOccurrences(of: CLIRunner.repositoryRoot.path, with: "<repo>"), "data-describe-nct.txt")
        let manifest = work.appendingPathComponent("folds.csv")
        (status, out) = try CLIRunner.run(["data", "split", "--dataset", "nct", "--root", nct, "--folds", "3", "--seed", "1",
                                           "--output", manifest.path])
        XCTAssertEqual(status, 0, out)
        let sha = try String(contentsOf: manifest.appendingPathExtension("sha256"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(out.contains("27 images, sha256 \(sha)"), out)
        let lines = try String(contentsOf: manifest, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "path,label,group,zoom,fold,split,label_name", "class names beside the label indices")
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasPrefix($0.split(separator: ",").last! + "/") }, "label_name is the class folder")
        let rows = lines.dropFirst()
        XCTAssertEqual(rows.count, 27)
        XCTAssertEqual(Set(rows.map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] }), ["0", "1", "2"],
                       "every image in one of 3 folds")
    }

    /// `csit evaluate` on the run's own manifest reproduces the run's test metrics, and
    /// `csit model check` loads its checkpoint completely.
    func testTrainThenEvaluateAndCheckTheCheckpoint() throws {
        let run = work.appendingPathComponent("run")
        var (status, out) = try CLIRunner.run([
            "train", "--mode", "ft", "--dataset", "nct", "--data-path", nct, "--folds", "3", "--fold", "1",
            "--model", "csit-tiny", "--input-size", "32", "--token-stride", "8", "--epochs", "2", "--batch-size", "6",
            "--warmup-epochs", "0", "--output", run.path])
        XCTAssertEqual(status, 0, out)
        let trained = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("metrics.json"))) as! [String: Any]
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("config.json"))) as! [String: Any]
        XCTAssertNil(config["task"], "BreakHis's task is not a key of an NCT run")
        XCTAssertEqual(config["dataset"] as? String, "nct")
        let eval = work.appendingPathComponent("eval"), features = work.appendingPathComponent("features.csv")
        // The run folder alone is enough: the checkpoint carries preset, size, stride and classes.
        (status, out) = try CLIRunner.run([
            "evaluate", "--checkpoint", run.path, "--data", run.appendingPathComponent("manifest.csv").path,
            "--root", nct, "--dataset", "nct", "--output", eval.path, "--features", features.path, "--threads", "1"])
        XCTAssertEqual(status, 0, out)
        let evaluated = try JSONSerialization.jsonObject(with: Data(contentsOf: eval.appendingPathComponent("metrics.json"))) as! [String: Any]
        for key in ["accuracy", "macro_f1", "kappa"] {
            XCTAssertEqual(try XCTUnwrap(evaluated[key] as? Double), try XCTUnwrap(trained[key] as? Double), accuracy: 1e-9, key)
        }
        // A manifest label that is not a class index is named (a -1 trapped).
        let bad = work.appendingPathComponent("bad-manifest.csv")
        try "path,label,group,zoom,fold,split\nADI/x.tif,-1,,,0,test\n".write(to: bad, atomically: true, encoding: .utf8)
        (status, out) = try CLIRunner.run(["evaluate", "--checkpoint", run.path, "--data", bad.path, "--root", nct, "--output", eval.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("label '-1' is not a class index"), out)
        let featureRows = try String(contentsOf: features, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(featureRows.count, 1 + 9, "a header and the 9 test images of fold 1")
        (status, out) = try CLIRunner.run([
            "model", "check", "--checkpoint", run.appendingPathComponent("model.safetensors").path, "--preset", "csit-tiny",
            "--image-size", "32", "--token-stride", "8", "--classes", "9"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.hasPrefix("loaded "), out)
        XCTAssertFalse(out.contains("freshly initialised") || out.contains("dropped"), out)
        try predictWithTheRunFolder(run)
    }

    /// `csit predict --checkpoint RUN_FOLDER` needs nothing else; class names reach the CSV,
    /// which `csit metrics` reads as written (the README's chain); flags that contradict the
    /// checkpoint are errors naming both values (before, --image-size 64 on a 32-px checkpoint
    /// resized the positional embedding silently and changed the predictions).
    func predictWithTheRunFolder(_ run: URL) throws {
        let preds = work.appendingPathComponent("preds.csv")
        var (status, out) = try CLIRunner.run(["predict", "--checkpoint", run.path, "--data", nct, "--output", preds.path, "--threads", "1"])
        XCTAssertEqual(status, 0, out)
        let lines = try String(contentsOf: preds, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.first, "path,label,label_name,pred,pred_name,prob_ADI,prob_BACK,prob_DEB,prob_LYM,prob_MUC,prob_MUS,prob_NORM,prob_STR,prob_TUM")
        XCTAssertEqual(lines.count, 1 + 27)
        XCTAssertTrue(lines[1].hasPrefix("ADI/") && lines[1].contains(",0,ADI,"), String(lines[1]))
        (status, out) = try CLIRunner.run(["metrics", preds.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("TUM"), "per-class rows by name: \(out)")
        for (flags, message) in [(["--image-size", "64"], "--image-size 64 contradicts the checkpoint's image size 32"),
                                 (["--token-stride", "16"], "--token-stride 16 contradicts the checkpoint's token stride 8"),
                                 (["--preset", "csit-small"], "--preset csit-small contradicts the checkpoint's preset csit-tiny")] {
            (status, out) = try CLIRunner.run(["predict", "--checkpoint", run.path, "--data", nct] + flags)
            XCTAssertNotEqual(status, 0, out)
            XCTAssertTrue(out.contains(message), out)
        }
        XCTAssertTrue(out.contains("model.safetensors"), "the error names the file: \(out)")
        (status, out) = try CLIRunner.run(["predict", "--checkpoint", run.path, "--data", nct, "--image-size", "64", "--resize-positions"])
        XCTAssertEqual(status, 0, out)
        (status, out) = try CLIRunner.run(["predict", "--checkpoint", work.path, "--data", nct])
        XCTAssertNotEqual(status, 0, out)
        XCTAssertTrue(out.contains("a folder without model.safetensors"), out)
        // Found by review: evaluate refused a folder with a subset of the classes (or another
        // order) that predict handled; classes now match by name.
        let subset = work.appendingPathComponent("subset")
        for c in ["TUM", "NORM"] {
            try FileManager.default.createDirectory(at: subset, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: nct + "/" + c, toPath: subset.appendingPathComponent(c).path)
        }
        let ev = work.appendingPathComponent("eval-subset")
        (status, out) = try CLIRunner.run(["evaluate", "--checkpoint", run.path, "--data", subset.path, "--output", ev.path])
        XCTAssertEqual(status, 0, out)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: ev.appendingPathComponent("metrics.json"))) as! [String: Any]
        XCTAssertEqual(metrics["classes"] as? [String], ["ADI", "BACK", "DEB", "LYM", "MUC", "MUS", "NORM", "STR", "TUM"])
        XCTAssertEqual((metrics["per_class_support"] as? [Int]).map { $0.reduce(0, +) }, 6)
        // A class the checkpoint does not know is named; predict says why it writes no labels.
        try FileManager.default.createDirectory(at: subset.appendingPathComponent("FOO"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: nct + "/ADI/" + (try FileManager.default.contentsOfDirectory(atPath: nct + "/ADI").sorted()[0]),
                                         toPath: subset.appendingPathComponent("FOO/x.tif").path)
        (status, out) = try CLIRunner.run(["evaluate", "--checkpoint", run.path, "--data", subset.path, "--output", ev.path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("do not include FOO"), out)
        (status, out) = try CLIRunner.run(["predict", "--checkpoint", run.path, "--data", subset.path])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("no label columns: images outside the checkpoint's class folders (in FOO)"), out)
    }

    /// `--jobs 2 --threads 1`: both runs in parallel, each with the thread count asked for
    /// (recorded in provenance, not in the id); `--run ID` on a done run does nothing.
    func testRunWithJobsThreadsAndASingleRun() throws {
        let results = work.appendingPathComponent("res")
        let spec = try TinySpec.write(results: results.path, in: work)
        var (status, out) = try CLIRunner.run(["run", spec, "--jobs", "2", "--threads", "1"])
        XCTAssertEqual(status, 0, out)
        let runs = try FileManager.default.contentsOfDirectory(atPath: results.appendingPathComponent("runs").path).filter { $0 != "by-label" }
        XCTAssertEqual(runs.count, 3)
        // Readable names: one link per run, to its folder.
        let aliases = try FileManager.default.contentsOfDirectory(atPath: results.appendingPathComponent("runs/by-label").path).sorted()
        XCTAssertEqual(aliases, ["ft_fold0", "ft_fold1", "ft_fold2"])
        let target = try FileManager.default.destinationOfSymbolicLink(atPath: results.appendingPathComponent("runs/by-label/ft_fold0").path)
        XCTAssertTrue(runs.map { "../\($0)" }.contains(target), target)
        XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent("runs/by-label/ft_fold0/metrics.json").path))
        for id in runs {
            let prov = try JSONSerialization.jsonObject(with: Data(contentsOf: results.appendingPathComponent("runs/\(id)/provenance.json"))) as! [String: Any]
            XCTAssertEqual(prov["threads"] as? Int, 1, id)
            XCTAssertEqual((prov["execution"] as? [String: Any])?["threads"] as? Int, 1, id)
            // Named for what it holds: the spec entries of the run, not class labels.
            XCTAssertTrue(FileManager.default.fileExists(atPath: results.appendingPathComponent("runs/\(id)/spec-entries.json").path), id)
            XCTAssertFalse(FileManager.default.fileExists(atPath: results.appendingPathComponent("runs/\(id)/labels.json").path), id)
        }
        let model = results.appendingPathComponent("runs/\(runs[0])/model.safetensors")
        let before = try FileManager.default.attributesOfItem(atPath: model.path)[.modificationDate] as! Date
        (status, out) = try CLIRunner.run(["run", spec, "--run", runs[0]])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: model.path)[.modificationDate] as! Date, before)
        (status, out) = try CLIRunner.run(["run", spec, "--run", "nosuchrun"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("no run 'nosuchrun' in this plan"), out)
        // A done run whose metrics.json is damaged is evaluated again from its last checkpoint.
        let metrics = results.appendingPathComponent("runs/\(runs[0])/metrics.json")
        let good = try Data(contentsOf: metrics)
        try Data("{\"acc".utf8).write(to: metrics)
        (status, out) = try CLIRunner.run(["run", spec])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(try Data(contentsOf: metrics), good, "the same metrics, re-evaluated")
        try assertResultHashesGuard(spec: spec, results: results, runs: runs, metrics: metrics, good: good)
    }

    /// Each finished run records its files' hashes (checkable with sha256sum -c); a metrics.json
    /// edited into another valid number drops out of the table and is re-evaluated; a changed
    /// model is found by status --verify.
    func assertResultHashesGuard(spec: String, results: URL, runs: [String], metrics: URL, good: Data) throws {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        check.arguments = ["--quiet", "-c", "results.sha256"]
        check.currentDirectoryURL = results.appendingPathComponent("runs/\(runs[0])")
        try check.run()
        check.waitUntilExit()
        XCTAssertEqual(check.terminationStatus, 0, "sha256sum -c results.sha256")
        let text = String(decoding: good, as: UTF8.self)
        let edited = text.replacingOccurrences(of: #""accuracy" : [0-9.e-]+"#, with: "\"accuracy\" : 0.999", options: .regularExpression)
        XCTAssertNotEqual(edited, text)
        try Data(edited.utf8).write(to: metrics)
        var (status, out) = try CLIRunner.run(["table", spec])
        XCTAssertEqual(status, 3, out)
        XCTAssertTrue(out.contains("missing from the tables: \(runs[0]) (done, but metrics.json (changed) since it finished"), out)
        (status, out) = try CLIRunner.run(["status", spec])
        XCTAssertTrue(CLIRunner.statusLine(out, runs[0]).contains("  damaged: metrics.json (changed) since it finished"), out)
        (status, out) = try CLIRunner.run(["run", spec])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(try Data(contentsOf: metrics), good, "re-evaluated from the final checkpoint")
        // Found by review: deleting the record (or damaging it) switched the check off.
        try FileManager.default.removeItem(at: results.appendingPathComponent("runs/\(runs[0])/results.sha256"))
        try Data(edited.utf8).write(to: metrics)
        (status, out) = try CLIRunner.run(["table", spec])
        XCTAssertEqual(status, 3, out)
        XCTAssertTrue(out.contains("results.sha256 (missing or damaged)"), out)
        (status, out) = try CLIRunner.run(["run", spec])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(try Data(contentsOf: metrics), good, "re-evaluated, and the record written again")
        let model = try FileHandle(forWritingTo: results.appendingPathComponent("runs/\(runs[1])/model.safetensors"))
        try model.seekToEnd()
        try model.write(contentsOf: Data([0]))
        try model.close()
        (status, out) = try CLIRunner.run(["status", spec])
        XCTAssertFalse(out.contains("damaged"), "models are checked by --verify only: \(out)")
        (status, out) = try CLIRunner.run(["status", spec, "--verify"])
        XCTAssertTrue(CLIRunner.statusLine(out, runs[1]).contains("  damaged: model.safetensors (changed) since it finished; csit run does not repair"), out)
    }

    /// The sbatch scripts, without a cluster: one job for the SSL pretraining, one array for
    /// the downstream runs depending on it; `--set` reaches the scripts and the status hint.
    func testSlurmScriptsGolden() throws {
        let spec = try TinySpec.write(results: work.appendingPathComponent("res").path, in: work, withSSL: true)
        let (status, out) = try CLIRunner.run(["run", spec, "--executor", "slurm", "--dry-run", "--cpus-per-task", "4",
                                               "--mem", "8G", "--time", "01:00:00", "--partition", "cpu", "--array-parallelism", "2",
                                               "--set", "train.weight_decay=0.01"])
        XCTAssertEqual(status, 0, out)
        // The hint keeps the override (without it, status shows other runs).
        XCTAssertTrue(out.contains("watch with: csit status \(spec) --set train.weight_decay=0.01"), out)
        let binary = realpath(CLIRunner.executable.path, nil).map { p in defer { free(p) }; return String(cString: p) } ?? ""
        let normalised = out.replacingOccurrences(of: binary, with: "<csit>")
            .replacingOccurrences(of: work.path, with: "<work>")
            .replacingOccurrences(of: CLIRunner.repositoryRoot.path, with: "<repo>")
        try CLIRunner.assertGolden(normalised, "slurm-dry-run.txt")
    }

    /// `resources:` in a spec: `csit plan` shows each run's, and the Slurm scripts carry them,
    /// one array per distinct resources (top level, `ssl`, `train.<mode>`, inner over outer).
    func testPlanAndSlurmScriptsShowResourcesGolden() throws {
        let spec = try TinySpec.write(results: work.appendingPathComponent("res").path, in: work, withSSL: true,
                                      extra: "  ssl-ft:\n    resources: {cpus_per_task: 4}\nresources: {mem: 8G}\n")
        var (status, out) = try CLIRunner.run(["plan", spec, "--no-estimate", "--set", "ssl.resources.time=1-00"])
        XCTAssertEqual(status, 0, out)
        try CLIRunner.assertGolden(out.replacingOccurrences(of: work.path, with: "<work>"), "plan-resources.txt")
        (status, out) = try CLIRunner.run(["run", spec, "--executor", "slurm", "--dry-run", "--cpus-per-task", "1", "--time", "01:00:00",
                                           "--signal-grace", "60", "--set", "ssl.resources.time=1-00"])
        XCTAssertEqual(status, 0, out)
        let binary = realpath(CLIRunner.executable.path, nil).map { p in defer { free(p) }; return String(cString: p) } ?? ""
        try CLIRunner.assertGolden(out.replacingOccurrences(of: binary, with: "<csit>").replacingOccurrences(of: work.path, with: "<work>")
            .replacingOccurrences(of: CLIRunner.repositoryRoot.path, with: "<repo>"), "slurm-resources.txt")
    }
}
