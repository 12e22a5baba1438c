import XCTest
import CSiTKit
import Evaluation
import HistoData
import TensorKit
import Training

/// Tiny end-to-end runs on the bundled real-tissue sample set (32-px tiles).
final class TrainerTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-training-\(getpid())")
    static var sample: URL { work.appendingPathComponent("sample32") }

    override class func setUp() {
        Parallel.configure(threads: 2)
        if !FileManager.default.fileExists(atPath: sample.path) {
            _ = try? SampleSet.bundled(tileSize: 32, repositoryRoot: repo).build(output: sample)
        }
    }

    override class func tearDown() { try? FileManager.default.removeItem(at: work) }

    func tiny(_ mode: RunConfig.Mode) -> RunConfig {
        var c = RunConfig.paper(mode)
        c.preset = "csit-tiny"
        (c.imageSize, c.tokenStride) = (32, 8)
        c.seed = 3

        if mode == .ssl {
            c.root = Self.sample.appendingPathComponent("unlabeled").path
            (c.epochs, c.batchSize, c.lr, c.warmupEpochs) = (2, 16, 2e-3, 1)
        } else {
            c.dataset = .imageFolder
            c.root = Self.sample.appendingPathComponent("labeled").path
            (c.folds, c.fold) = (3, 0)
            (c.epochs, c.batchSize, c.lr, c.warmupEpochs) = (3, 32, 2e-2, 1)
        }
        return c
    }

    func dir(_ name: String) -> URL { Self.work.appendingPathComponent(name) }

    /// A run's thread count is scoped to the run: before, `Trainer.run` set the process-wide
    /// count, so a later run (or the next test) in the process inherited it.
    func testARunsThreadCountDoesNotLeakIntoTheProcess() throws {
        var c = tiny(.ft)
        c.epochs = 1
        let before = Parallel.threadCount
        var execution = ExecutionConfig()
        execution.threads = before + 1
        _ = try Trainer(config: c, execution: execution, runDir: dir("threads")).run()
        XCTAssertEqual(Parallel.threadCount, before)
        XCTAssertEqual(ComputeContext.default.threads, before)
    }

    func testFineTuneLearnsTissueClasses() throws {
        var c = tiny(.ft)
        c.epochs = 6
        let r = try Trainer(config: c, runDir: dir("ft")).run()
        let m = try XCTUnwrap(r.metrics)
        XCTAssertEqual(m.classes, ["background", "dermis", "epidermis", "ihc"])
        XCTAssertGreaterThan(m.accuracy, 0.6, "four visually distinct classes; chance is ~0.3")
        XCTAssertEqual(r.records.count, 6)
        XCTAssertEqual(r.records.map(\.epoch), Array(1...6), "log.jsonl numbers epochs from 1, as the progress lines and reports do")
        XCTAssertLessThan(r.records.last!.loss, r.records.first!.loss)
        // The last progress written (what csit status shows of a running run) is the last step.
        let progress = try XCTUnwrap(RunProgress.read(runDir: dir("ft")))
        XCTAssertEqual([progress.epoch, progress.epochs, progress.step, progress.steps], [6, 6, r.records[0].steps, r.records[0].steps])
        XCTAssertEqual(progress.remainingSeconds, 0, accuracy: 1e-9)
        XCTAssertGreaterThan(progress.imagesPerSecond, 0)
        for f in ["config.json", "manifest.csv", "log.jsonl", "checkpoint.safetensors", "best.safetensors", "model.safetensors",
                  "predictions.csv", "metrics.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir("ft").appendingPathComponent(f).path), f)
        }
        // metrics.json equals the metrics recomputed from predictions.csv.
        let preds = try PredictionsFile(contentsOf: dir("ft").appendingPathComponent("predictions.csv"))
        let again = ClassificationMetrics(labels: preds.labels, probabilities: preds.probabilities, classes: m.classes)
        XCTAssertEqual(again.accuracy, m.accuracy, accuracy: 1e-12)
    }

    /// The random-init control trains heads on a backbone frozen at its seeded random
    /// initialisation: one epoch or three, the backbone is the same, the heads differ.
    func testRandomInitControlFreezesAnUntrainedBackbone() throws {
        var one = tiny(.randomLE)
        (one.epochs, one.warmupEpochs) = (1, 0)
        XCTAssertNotNil(try Trainer(config: one, runDir: dir("random-le-1")).run().metrics)
        XCTAssertNotNil(try Trainer(config: tiny(.randomLE), runDir: dir("random-le-3")).run().metrics)
        let file = { (run: String) in self.dir(run).appendingPathComponent("model.safetensors") }
        let a = try SafeTensors.read(file("random-le-1")), b = try SafeTensors.read(file("random-le-3"))
        XCTAssertEqual(a.tensors["blocks.1.mlp.fc1.weight"]!.scalars, b.tensors["blocks.1.mlp.fc1.weight"]!.scalars)
        XCTAssertNotEqual(a.tensors["rot_head.weight"]!.scalars, b.tensors["rot_head.weight"]!.scalars)
        XCTAssertEqual(try ModelCard(metadata: b.metadata, file: "b")?.trainingMode, "random-le")
    }

    func testSSLThenLinearEvalAndSSLFineTune() throws {
        let ssl = try Trainer(config: tiny(.ssl), runDir: dir("ssl")).run()
        XCTAssertNil(ssl.metrics)
        XCTAssertEqual(Set(ssl.records[0].lossParts.keys), ["rot", "con", "rec"])
        let checkpoint = dir("ssl").appendingPathComponent("model.safetensors").path
        var le = tiny(.le)
        le.initCheckpoint = checkpoint
        let leResult = try Trainer(config: le, runDir: dir("le")).run()
        XCTAssertNotNil(leResult.metrics)
        // The frozen backbone did not move.
        let pre = try SafeTensors.read(URL(fileURLWithPath: checkpoint)).tensors
        let post = try SafeTensors.read(dir("le").appendingPathComponent("model.safetensors")).tensors
        XCTAssertEqual(pre["blocks.1.mlp.fc1.weight"]!.scalars, post["blocks.1.mlp.fc1.weight"]!.scalars)
        XCTAssertNotEqual(pre["rot_head.weight"]!.scalars, post["rot_head.weight"]!.scalars, "the heads were trained")
        var mlp = tiny(.mlp)
        mlp.initCheckpoint = checkpoint
        mlp.representationSize = 16
        XCTAssertNotNil(try Trainer(config: mlp, runDir: dir("mlp")).run().metrics)
        var ft = tiny(.sslft)
        ft.initCheckpoint = checkpoint
        let ftResult = try Trainer(config: ft, runDir: dir("sslft")).run()
        XCTAssertNotNil(ftResult.metrics)
        let moved = try SafeTensors.read(dir("sslft").appendingPathComponent("model.safetensors")).tensors
        XCTAssertNotEqual(pre["blocks.1.mlp.fc1.weight"]!.scalars, moved["blocks.1.mlp.fc1.weight"]!.scalars)
    }

    /// Killed after epoch 1 and restarted, a run ends with the same weights and metrics as an
    /// uninterrupted one.
    func testResumeEqualsUninterrupted() throws {
        for mode in [RunConfig.Mode.ft, .ssl] {
            let c = tiny(mode)
            let whole = try Trainer(config: c, runDir: dir("whole-\(mode)")).run()
            let first = Trainer(config: c, runDir: dir("resumed-\(mode)"))
            first.stopAfterEpoch = 0
            XCTAssertTrue(try first.run().interrupted)
            let resumed = try Trainer(config: c, runDir: dir("resumed-\(mode)")).run()
            XCTAssertFalse(resumed.interrupted)
            let a = try SafeTensors.read(dir("whole-\(mode)").appendingPathComponent("model.safetensors")).tensors
            let b = try SafeTensors.read(dir("resumed-\(mode)").appendingPathComponent("model.safetensors")).tensors
            for (k, t) in a { XCTAssertEqual(t.scalars, b[k]!.scalars, "\(mode) \(k)") }
            XCTAssertEqual(whole.records.map(\.loss), resumed.records.map(\.loss))
            XCTAssertEqual(whole.metrics?.accuracy, resumed.metrics?.accuracy)
        }
    }

    func testNonFiniteLossStopsAndKeepsTheLastCheckpoint() throws {
        let c = tiny(.ft)
        let t = Trainer(config: c, runDir: dir("nan"))
        t.faultInjection = { epoch, step in epoch == 1 && step == 1 }
        XCTAssertThrowsError(try t.run()) { error in
            guard case let .nonFinite(epoch, step, _, checkpoint)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 1); XCTAssertEqual(step, 1)
            XCTAssertEqual(checkpoint, self.dir("nan").appendingPathComponent("checkpoint.safetensors").path)
            XCTAssertTrue("\(error)".contains("Lower the learning rate"))
        }
        let meta = try SafeTensors.read(dir("nan").appendingPathComponent("checkpoint.safetensors")).metadata
        XCTAssertEqual(meta["epoch"], "0", "the epoch before the failure is kept")
    }

    func testBadConfigurationsAreClearErrors() {
        var c = tiny(.le)
        XCTAssertThrowsError(try Trainer(config: c, runDir: dir("bad")).run()) {
            XCTAssertEqual("\($0)", "init_checkpoint = none: expected an SSL checkpoint for mode le")
        }
        c = tiny(.ft)
        c.fold = 5
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("fold = 5")) }
        // Choosing on the test split is refused, not done quietly.
        c = tiny(.ft)
        (c.validation, c.select) = (0, .best)
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("select = best"), "\($0)") }
        (c.select, c.patience) = (.last, 2)
        XCTAssertThrowsError(try c.validate()) { XCTAssertTrue("\($0)".contains("patience = 2"), "\($0)") }
    }

    /// Found (issue 13): the test fold doubled as the validation set, so per-epoch metrics
    /// and best.safetensors were chosen on the test images. Now a stratified share of the
    /// training split is held out: best.safetensors's score is its score on those images,
    /// and with `select: best` the test split is evaluated once, on that checkpoint.
    func testModelSelectionLooksAtTheValidationSplitOnly() throws {
        var c = tiny(.ft)
        (c.validation, c.select, c.epochs) = (0.3, .best, 3)
        let r = try Trainer(config: c, runDir: dir("val")).run()
        let data = try RunData.resolve(c)
        let (train, val, test) = (Set(data.trainIndices), Set(data.validationIndices), Set(data.testIndices))
        XCTAssertFalse(val.isEmpty)
        XCTAssertTrue(val.isDisjoint(with: test) && val.isDisjoint(with: train) && train.isDisjoint(with: test))
        XCTAssertEqual(Set(data.validationIndices.map { data.train.samples[$0].label }).count, 4, "stratified: every class in validation")
        let share = Double(val.count) / Double(val.count + train.count)
        XCTAssertEqual(share, 0.3, accuracy: 0.1, "about the asked share (⌈f·n⌉ per class once held out half of small classes)")
        let manifest = try String(contentsOf: dir("val").appendingPathComponent("manifest.csv"), encoding: .utf8)
        XCTAssertEqual(manifest.split(separator: "\n").filter { $0.contains(",val,") }.count, val.count)

        let best = try SafeTensors.read(dir("val").appendingPathComponent("best.safetensors"))
        var rng = RNG(seed: 0)
        let model = CSiTModel(config: try c.modelConfig(), mode: .finetune(classes: 4), rng: &rng)
        _ = try model.load(best.tensors)
        let classes = data.train.classes
        let onValidation = try Evaluator.evaluate(model, data: TrainingData(dataset: data.train, indices: data.validationIndices,
                                                                            imageSize: 32, batchSize: c.batchSize, seed: c.seed), classes: classes).0
        XCTAssertEqual(try XCTUnwrap(Double(try XCTUnwrap(best.metadata["accuracy"]))), onValidation.accuracy, accuracy: 1e-12)
        let onTest = try Evaluator.evaluate(model, data: TrainingData(dataset: try XCTUnwrap(data.test), indices: data.testIndices,
                                                                      imageSize: 32, batchSize: c.batchSize, seed: c.seed), classes: classes).0
        XCTAssertEqual(try XCTUnwrap(r.metrics).accuracy, onTest.accuracy, accuracy: 1e-12, "select: best evaluates best.safetensors")
        // model.safetensors is the model the metrics describe (predict on the folder uses it).
        let final = try SafeTensors.read(dir("val").appendingPathComponent("model.safetensors")).tensors
        XCTAssertTrue(best.tensors.allSatisfy { final[$0.key]?.scalars == $0.value.scalars })
        XCTAssertTrue(r.records.allSatisfy { $0.validation != nil })
    }

    /// Early stopping counts evaluations without a better validation score, survives a
    /// restart (the counter is in the checkpoint) and does not train on after it stopped.
    func testEarlyStoppingStopsAndStaysStopped() throws {
        var c = tiny(.ft)
        (c.validation, c.patience, c.epochs, c.lr, c.warmupEpochs) = (0.3, 1, 6, 1e-12, 0)
        let r = try Trainer(config: c, runDir: dir("patience")).run()
        XCTAssertEqual(r.records.count, 2, "no better score at epoch 2 with a learning rate of 1e-12")
        XCTAssertNotNil(r.metrics)
        let again = try Trainer(config: c, runDir: dir("patience")).run()
        XCTAssertEqual(again.records.count, 2, "a rerun finishes; it does not train on")
        // Extending a run that stopped early would train nothing: refused.
        var longer = c
        longer.epochs = 8
        let t = Trainer(config: longer, runDir: dir("patience"))
        t.extend = true
        XCTAssertThrowsError(try t.run()) { XCTAssertTrue("\($0)".contains("it stopped early (patience) after epoch 2"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir("patience").appendingPathComponent("extended.json").path),
                       "nothing recorded for a refused extension")
    }
}
