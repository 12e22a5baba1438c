import Training
import TensorKit
import XCTest

final class TrainCommandTests: XCTestCase {
    func testYAMLErrorsNameFileKeyAndSuggestion() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-train-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = dir.appendingPathComponent("run.yaml")
        try "mode: ft\nroot: /nowhere\nbatch_sise: 16\n".write(to: yaml, atomically: true, encoding: .utf8)
        var (status, out) = try CLIRunner.run(["train", "--config", yaml.path, "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("\(yaml.path): unknown key 'batch_sise' (did you mean 'batch_size'?)"), out)
        try "mode: ft\nroot: /nowhere\nepochs: many\n".write(to: yaml, atomically: true, encoding: .utf8)
        (status, out) = try CLIRunner.run(["train", "--config", yaml.path, "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("epochs"), out)
        (status, out) = try CLIRunner.run(["train", "--mode", "le", "--data-path", "/nowhere", "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("init_checkpoint = none: expected an SSL checkpoint for mode le"), out)
        (status, out) = try CLIRunner.run(["train", "--mode", "ft", "--data-path", "/nowhere", "--output", dir.appendingPathComponent("run").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("/nowhere: not a readable folder"), out)
    }
}

/// `csit train` end to end: its flags come from the settings table, and execution settings
/// never block a resume.
final class TrainCommandSuccessTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-train-ok-\(getpid())")
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func tinyArgs(_ out: String) -> [String] {
        ["train", "--mode", "ft", "--dataset", "nct", "--data-path", "Tests/HistoDataTests/Fixtures/nct", "--folds", "3", "--fold", "0",
         "--model", "csit-tiny", "--input-size", "32", "--token-stride", "8", "--epochs", "1", "--batch-size", "6",
         "--warmup-epochs", "0", "--mixup", "0", "--cutmix", "0", "--output", dir.appendingPathComponent(out).path]
    }

    /// Help lists each setting under its one name (the key with dashes, as every subcommand
    /// spells it); the published main.py names are accepted but not listed.
    func testHelpListsEveryFlagOfTheTable() throws {
        let (status, out) = try CLIRunner.run(["train", "--help"])
        XCTAssertEqual(status, 0)
        let named = Set(out.split(separator: "\n").compactMap { line -> String? in
            let t = line.drop { $0 == " " }
            return t.hasPrefix("--") ? String(t.prefix { $0 != " " }) : nil
        })
        for setting in RunSetting.all {
            XCTAssertTrue(named.contains(setting.flag), "\(setting.flag) missing from help")
            XCTAssertEqual(setting.flag, setting.key == "root" ? "--data" : "--" + setting.key.replacingOccurrences(of: "_", with: "-"))
            for alias in setting.aliases { XCTAssertFalse(named.contains(alias), "\(alias) listed; aliases are hidden") }
        }
        XCTAssertTrue(out.contains("Example:"), out)
    }

    /// The published main.py names still work; an SSL run's last line names only files it wrote
    /// (it listed metrics.json); a labelled run over one class is refused before it starts.
    func testAliasesSSLFilesAndOneClass() throws {
        let nct = "Tests/HistoDataTests/Fixtures/nct"
        var (status, out) = try CLIRunner.run(["train", "--mode", "ssl", "--dataset", "unlabeled", "--data-path", nct,
                                               "--model", "csit-tiny", "--input-size", "32", "--token-stride", "8", "--epochs", "1",
                                               "--batch-size", "8", "--warmup-epochs", "0", "--output", dir.appendingPathComponent("ssl").path])
        XCTAssertEqual(status, 0, out)
        let last = out.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("run folder:") && last.contains("model.safetensors") && last.contains("reconstruction.png"), last)
        XCTAssertFalse(last.contains("metrics.json"), last)
        // A run folder as --init-checkpoint (its model.safetensors; it was a raw "Is a directory").
        (status, out) = try CLIRunner.run(["train", "--mode", "le", "--dataset", "nct", "--data", nct, "--folds", "3", "--fold", "0",
                                           "--init-checkpoint", dir.appendingPathComponent("ssl").path, "--preset", "csit-tiny",
                                           "--image-size", "32", "--token-stride", "8", "--epochs", "1", "--batch-size", "6",
                                           "--output", dir.appendingPathComponent("le").path])
        XCTAssertEqual(status, 0, out)
        // A flag's name finds its setting.
        (status, out) = try CLIRunner.run(["settings", "data"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.hasPrefix("root: ") && out.contains("flag: --data (also --data-path, --root)"), out)
        let one = dir.appendingPathComponent("one-class")
        try FileManager.default.createDirectory(at: one, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: nct + "/ADI", toPath: one.appendingPathComponent("ADI").path)
        (status, out) = try CLIRunner.run(["train", "--mode", "ft", "--dataset", "imagefolder", "--data", one.path, "--preset", "csit-tiny",
                                           "--image-size", "32", "--epochs", "1", "--output", dir.appendingPathComponent("one").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("the training split has images of 1 class (ADI); a classifier needs two or more"), out)
        // An empty second class folder does not make two classes (it trained a 2-class model).
        try FileManager.default.createDirectory(at: one.appendingPathComponent("EMPTY"), withIntermediateDirectories: true)
        (status, out) = try CLIRunner.run(["train", "--mode", "ft", "--dataset", "imagefolder", "--data", one.path, "--preset", "csit-tiny",
                                           "--image-size", "32", "--epochs", "1", "--batch-size", "1", "--output", dir.appendingPathComponent("one").path])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("images of 1 class (ADI)"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("one/config.json").path), "refused before writing")
    }

    /// The finding: `--threads 2` on a folder written with `--threads 1` refused to resume.
    func testAnotherThreadCountResumesTheSameRun() throws {
        var (status, out) = try CLIRunner.run(tinyArgs("run") + ["--threads", "1", "--num-workers", "1"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("run folder:"), out)
        (status, out) = try CLIRunner.run(tinyArgs("run") + ["--threads", "2", "--num-workers", "2", "--cache-images", "false"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("resuming after epoch 1 of 1"), out)
        // An identity setting still refuses.
        (status, out) = try CLIRunner.run(tinyArgs("run") + ["--smoothing", "0.2"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("cannot resume"), out)
        let config = try String(contentsOf: dir.appendingPathComponent("run/config.json"), encoding: .utf8)
        XCTAssertFalse(config.contains("threads") || config.contains("workers"), config)
        // More epochs on a finished run: refused with a hint, then extended on purpose.
        (status, out) = try CLIRunner.run(tinyArgs("run") + ["--epochs", "2"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("pass --extend"), out)
        // Found here: the refused resume had already rewritten config.json with epochs 2.
        let kept = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: dir.appendingPathComponent("run/config.json")))
        XCTAssertEqual(kept.epochs, 1, "a folder that refused to resume keeps its configuration")
        (status, out) = try CLIRunner.run(tinyArgs("run") + ["--epochs", "3", "--smoothing", "0.2", "--extend"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("cannot extend: it differs in more than epochs (label_smoothing)"), out)
        (status, out) = try CLIRunner.run(tinyArgs("run") + ["--epochs", "2", "--extend"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("resuming after epoch 1 of 2"), out)
        let log = try String(contentsOf: dir.appendingPathComponent("run/log.jsonl"), encoding: .utf8)
        XCTAssertEqual(log.split(separator: "\n").count, 2, "epoch 1 kept, epoch 2 added")
        (status, out) = try CLIRunner.run(tinyArgs("run") + ["--epochs", "2", "--extend"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("--epochs 2 is not more than its 2"), out)
        // The extension is recorded: it is not the fresh 2-epoch run (another schedule).
        let card = try SafeTensors.read(dir.appendingPathComponent("run/model.safetensors")).metadata
        XCTAssertEqual(card["extended_from_epochs"], "1")
        // Found by review: without a checkpoint, --extend retrained from scratch.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("run/checkpoint.safetensors"))
        (status, out) = try CLIRunner.run(tinyArgs("run") + ["--epochs", "3", "--extend"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("cannot extend: no checkpoint.safetensors to continue from"), out)
    }

    func testFlagsOverrideTheYAMLFileAndErrorsNameTheFlag() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let yaml = dir.appendingPathComponent("run.yaml")
        try "epochs: 7\nsplit_seed: 3\nbest_metric: macro_f1\nlinear_eval_train_mode: true\n".write(to: yaml, atomically: true, encoding: .utf8)
        var (status, out) = try CLIRunner.run(tinyArgs("yaml") + ["--config", yaml.path, "--mixup-prob", "0.5", "--warmup-lr", "1e-5"])
        XCTAssertEqual(status, 0, out)
        let c = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: dir.appendingPathComponent("yaml/config.json")))
        XCTAssertEqual(c.epochs, 1, "the flag after --config wins")
        XCTAssertEqual(c.splitSeed, 3)
        XCTAssertEqual(c.bestMetric, .macroF1)
        XCTAssertTrue(c.linearEvalTrainMode)
        XCTAssertEqual(c.mixupProbability, 0.5)
        XCTAssertEqual(c.warmupLR, 1e-5)
        (status, out) = try CLIRunner.run(tinyArgs("bad") + ["--model", "cct-14-7x2"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("--model: preset = cct-14-7x2: expected one of csit-compact, csit-small, csit-tiny"), out)
        (status, out) = try CLIRunner.run(tinyArgs("bad") + ["--epoch", "3"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("unknown option '--epoch' (did you mean '--epochs'?)"), out)
        (status, out) = try CLIRunner.run(tinyArgs("bad") + ["--batch-size"])
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("--batch-size needs a value"), out)
    }
}
