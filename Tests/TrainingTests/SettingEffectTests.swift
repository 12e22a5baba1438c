import XCTest
import HistoData
import TensorKit
import Training

/// Each training setting changes what it must, and execution settings change nothing beyond
/// float summation order: one short fine-tuning epoch per setting on the bundled sample set.
final class SettingEffectTests: XCTestCase {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-effects-\(getpid())")

    override class func setUp() {
        Parallel.configure(threads: 2)
        _ = try? SampleSet.bundled(tileSize: 32, repositoryRoot: repo).build(output: work.appendingPathComponent("sample32"))
    }

    override class func tearDown() { try? FileManager.default.removeItem(at: work) }

    /// Hard labels, no augmentation beyond the crop: each setting below turns one thing on.
    func base() -> RunSettings {
        var s = RunSettings.paper(.ft)
        s.config.preset = "csit-tiny"
        (s.config.imageSize, s.config.tokenStride, s.config.seed) = (32, 8, 5)
        s.config.root = Self.work.appendingPathComponent("sample32/labeled").path
        (s.config.folds, s.config.fold) = (3, 0)
        (s.config.epochs, s.config.batchSize, s.config.lr, s.config.warmupEpochs) = (1, 8, 2e-2, 0)
        (s.config.mixup, s.config.cutmix, s.config.randomErasing, s.config.dropPathRate) = (0, 0, 0, 0)
        return s
    }

    /// The per-step losses of one epoch, from the run's log (mean over the epoch).
    func loss(_ s: RunSettings, _ name: String) throws -> Double {
        let dir = Self.work.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: dir)
        let r = try Trainer(config: s.config, execution: s.execution, runDir: dir).run()
        return try XCTUnwrap(r.records.first).loss
    }

    func testEachTrainingSettingChangesTheLoss() throws {
        let reference = try loss(base(), "base")
        XCTAssertEqual(try loss(base(), "base-again"), reference, "the same settings give the same numbers")
        let changes: [(String, String)] = [
            ("label_smoothing", "0.4"), ("weight_decay", "5"), ("random_erasing", "1"), ("mixup", "0.8"), ("cutmix", "1"),
            ("lr", "0.05"), ("min_lr", "0.01"), ("drop_path_rate", "0.5"), ("clip_grad", "0.001"), ("seed", "6"),
            ("split_seed", "1"), ("batch_size", "6"), ("fold", "1"), ("label_fraction", "0.5"),
        ]
        for (key, value) in changes {
            var s = base()
            try s.set(key, value)
            let l = try loss(s, key)
            XCTAssertGreaterThan(abs(l - reference), 1e-6 * abs(reference), "\(key) = \(value) does not change the loss")
        }
        // Mixing probability and warm-up only act together with what they modulate.
        for (setup, key, value) in [(("mixup", "0.8"), "mixup_prob", "0.3"), (("warmup_epochs", "1"), "warmup_lr", "0.01")] {
            var s = base()
            try s.set(setup.0, setup.1)
            let without = try loss(s, "\(key)-without")
            try s.set(key, value)
            XCTAssertGreaterThan(abs(try loss(s, key) - without), 1e-6 * abs(without), "\(key) = \(value) does not change the loss")
        }
    }

    /// The pretext-task settings reach the SSL loss: a run logs only its enabled parts, and
    /// with equal weights one task's loss is the whole loss.
    func testSSLTasksAndWeightingReachTheLoss() throws {
        func ssl(_ tasks: String, _ weighting: String, _ name: String) throws -> EpochRecord {
            var s = RunSettings.paper(.ssl)
            s.config.preset = "csit-tiny"
            (s.config.imageSize, s.config.tokenStride, s.config.seed) = (32, 8, 5)
            s.config.root = Self.work.appendingPathComponent("sample32/unlabeled").path
            (s.config.epochs, s.config.batchSize, s.config.lr, s.config.warmupEpochs) = (1, 32, 2e-2, 0)
            try s.set("tasks", tasks)
            try s.set("loss_weighting", weighting)
            let dir = Self.work.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: dir)
            return try XCTUnwrap(try Trainer(config: s.config, execution: s.execution, runDir: dir).run().records.first)
        }
        let all = try ssl("rotation,contrastive,reconstruction", "uncertainty", "ssl-all")
        XCTAssertEqual(Set(all.lossParts.keys), ["rot", "con", "rec"])
        let rotation = try ssl("rotation", "equal", "ssl-rotation")
        XCTAssertEqual(Array(rotation.lossParts.keys), ["rot"])
        XCTAssertEqual(rotation.loss, rotation.lossParts["rot"]!, accuracy: 1e-6 * rotation.loss)
        let pair = try ssl("reconstruction,contrastive", "equal", "ssl-pair")
        XCTAssertEqual(Set(pair.lossParts.keys), ["con", "rec"])
        XCTAssertEqual(pair.loss, pair.lossParts["con"]! + pair.lossParts["rec"]!, accuracy: 1e-5 * pair.loss)
        let pairUncertainty = try ssl("reconstruction,contrastive", "uncertainty", "ssl-pair-u")
        XCTAssertGreaterThan(abs(pairUncertainty.loss - pair.loss), 1e-3, "the weighting does not change the loss")
    }

    /// Loader threads, caching and csit's thread count never change the numbers beyond
    /// float summation order (relative 1e-5 on an epoch's mean loss).
    func testExecutionSettingsKeepTheNumbers() throws {
        let reference = try loss(base(), "exec-base")
        for (key, value) in [("workers", "3"), ("cache_images", "false"), ("cache_mib", "0"), ("threads", "1")] {
            var s = base()
            try s.set(key, value)
            XCTAssertEqual(try loss(s, "exec-\(key)"), reference, accuracy: 1e-5 * abs(reference), "\(key) = \(value)")
        }
        Parallel.configure(threads: 2)
    }
}
