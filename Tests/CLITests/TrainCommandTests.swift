import Training
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

    func testHelpListsEveryFlagOfTheTable() throws {
        let (status, out) = try CLIRunner.run(["train", "--help"])
        XCTAssertEqual(status, 0)
        for setting in RunSetting.all { for flag in setting.flags { XCTAssertTrue(out.contains(flag), "\(flag) missing from help") } }
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
