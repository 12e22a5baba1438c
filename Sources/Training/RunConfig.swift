import Foundation
import HistoData

/// Everything one training run needs; resolved from flags, a YAML file or an experiment
/// spec, and stored in the run folder as `config.json`.
public struct RunConfig: Codable, Equatable, Sendable {
    /// The training protocol.
    public enum Mode: String, Codable, CaseIterable, Sendable {
        /// Self-supervised pretraining (rotation, contrastive, reconstruction).
        case ssl
        /// Fine-tuning from scratch.
        case ft
        /// Linear evaluation: frozen pretrained backbone, linear heads.
        case le
        /// Frozen backbone, 2-layer MLP heads (representation size R + tanh).
        case mlp
        /// Fine-tuning the whole model from an SSL checkpoint.
        case sslft = "ssl-ft"
    }

    public var mode: Mode = .ft
    // Model
    public var preset = "csit-compact"
    public var imageSize = 224
    public var tokenStride = 16
    public var representationSize: Int?
    public var dropPathRate: Float = 0.1
    /// SSL checkpoint to start from (le, mlp, ssl-ft).
    public var initCheckpoint: String?
    // Data
    public var dataset: DatasetKind = .imageFolder
    public var root = ""
    public var task: BreakHisTask = .binary
    /// A fixed test set (CRC-VAL-HE-7K for NCT); nil with CV folds or a hold-out.
    public var testRoot: String?
    public var folds: Int?
    /// The CV fold held out as the test set.
    public var fold: Int?
    public var groupByPatient = false
    public var zoom: String?
    public var testFraction: Double?
    /// Share of the training labels used (semi-supervised runs).
    public var labelFraction: Double = 1
    public var splitSeed: UInt64 = 0
    // Optimisation
    public var epochs = 50
    public var batchSize = 120
    /// Base learning rate before scaling by batch / 512.
    public var lr = 5e-4
    public var minLR = 5e-6
    public var warmupEpochs = 5
    public var warmupLR = 1e-6
    public var weightDecay: Float = 0.05
    public var labelSmoothing: Float = 0.1
    public var mixup = 0.8
    public var cutmix = 1.0
    public var mixupProbability = 1.0
    public var randomErasing: Float = 0.25
    public var clipGradNorm: Float?
    /// Evaluate every N epochs (and after the last).
    public var evalEvery = 1
    /// Metric that picks `best.safetensors`.
    public var bestMetric = "accuracy"
    /// The published linear evaluation left the frozen backbone in train mode (drop-path on).
    public var linearEvalTrainMode = false
    // Execution
    public var seed: UInt64 = 0
    public var threads: Int?
    public var workers = 1
    public var cacheImages = true

    public init() {}

    /// The paper's settings for a mode (method.md §3): SSL batch 72, 10 epochs, lr 1e-4;
    /// fine-tuning batch 120, 50 epochs, lr 5e-4; MLP evaluation R 1024, lr 1e-3, wd 5e-4, 10 epochs.
    public static func paper(_ mode: Mode) -> RunConfig {
        var c = RunConfig()
        c.mode = mode
        switch mode {
        case .ssl:
            (c.batchSize, c.epochs, c.lr, c.minLR) = (72, 10, 1e-4, 5e-6)
            c.dataset = .unlabeled
        case .ft, .sslft:
            (c.batchSize, c.epochs, c.lr, c.minLR) = (120, 50, 5e-4, 5e-6)
        case .le, .mlp:
            (c.batchSize, c.epochs, c.lr, c.minLR, c.weightDecay) = (120, 10, 1e-3, 5e-6, 5e-4)
            (c.mixup, c.cutmix, c.randomErasing) = (0, 0, 0)
            if mode == .mlp { c.representationSize = 1024 }
        }
        return c
    }

    /// Checks values that no run could use.
    ///
    /// - Throws: `RunConfigError` naming the key and what was expected.
    public func validate() throws {
        func bad(_ key: String, _ value: Any, _ expected: String) -> RunConfigError { .invalid(key: key, value: "\(value)", expected: expected) }
        guard epochs >= 1 else { throw bad("epochs", epochs, "at least 1") }
        guard batchSize >= 1 else { throw bad("batch_size", batchSize, "at least 1") }
        guard mode != .ssl || batchSize >= 2 else { throw bad("batch_size", batchSize, "at least 2 for the contrastive loss") }
        guard lr > 0 else { throw bad("lr", lr, "positive") }
        guard labelFraction > 0 && labelFraction <= 1 else { throw bad("label_fraction", labelFraction, "in (0, 1]") }
        guard !root.isEmpty else { throw bad("root", root, "the dataset folder") }
        if [.le, .mlp, .sslft].contains(mode) && initCheckpoint == nil { throw bad("init_checkpoint", "none", "an SSL checkpoint for mode \(mode.rawValue)") }
        if let f = fold { guard let k = folds, f >= 0 && f < k else { throw bad("fold", f, "0..<folds (folds: \(folds.map(String.init) ?? "unset"))") } }
        if mode == .mlp && representationSize == nil { throw bad("representation_size", "none", "R for mode mlp") }
        guard warmupEpochs >= 0, evalEvery >= 1, workers >= 1 else { throw bad("warmup_epochs/eval_every/workers", "", "non-negative / ≥ 1") }
    }

    enum CodingKeys: String, CodingKey {
        case mode, preset, imageSize = "image_size", tokenStride = "token_stride", representationSize = "representation_size"
        case dropPathRate = "drop_path_rate", initCheckpoint = "init_checkpoint", dataset, root, task
        case testRoot = "test_root", folds, fold, groupByPatient = "group_by_patient", zoom, testFraction = "test_fraction"
        case labelFraction = "label_fraction", splitSeed = "split_seed", epochs, batchSize = "batch_size", lr
        case minLR = "min_lr", warmupEpochs = "warmup_epochs", warmupLR = "warmup_lr", weightDecay = "weight_decay"
        case labelSmoothing = "label_smoothing", mixup, cutmix, mixupProbability = "mixup_prob", randomErasing = "random_erasing"
        case clipGradNorm = "clip_grad", evalEvery = "eval_every", bestMetric = "best_metric"
        case linearEvalTrainMode = "linear_eval_train_mode", seed, threads, workers, cacheImages = "cache_images"
    }

    /// Decodes with every key optional (defaults from `paper(mode)`), rejecting unknown keys.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? .ft
        self = RunConfig.paper(mode)
        func set<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<RunConfig, T>) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { self[keyPath: path] = v }
        }
        func setOptional<T: Decodable>(_ key: CodingKeys, _ path: WritableKeyPath<RunConfig, T?>) throws {
            if let v = try c.decodeIfPresent(T.self, forKey: key) { self[keyPath: path] = v }
        }
        try set(.preset, \.preset); try set(.imageSize, \.imageSize); try set(.tokenStride, \.tokenStride)
        try setOptional(.representationSize, \.representationSize); try set(.dropPathRate, \.dropPathRate)
        try setOptional(.initCheckpoint, \.initCheckpoint); try set(.dataset, \.dataset); try set(.root, \.root)
        try set(.task, \.task); try setOptional(.testRoot, \.testRoot); try setOptional(.folds, \.folds)
        try setOptional(.fold, \.fold); try set(.groupByPatient, \.groupByPatient); try setOptional(.zoom, \.zoom)
        try setOptional(.testFraction, \.testFraction); try set(.labelFraction, \.labelFraction); try set(.splitSeed, \.splitSeed)
        try set(.epochs, \.epochs); try set(.batchSize, \.batchSize); try set(.lr, \.lr); try set(.minLR, \.minLR)
        try set(.warmupEpochs, \.warmupEpochs); try set(.warmupLR, \.warmupLR); try set(.weightDecay, \.weightDecay)
        try set(.labelSmoothing, \.labelSmoothing); try set(.mixup, \.mixup); try set(.cutmix, \.cutmix)
        try set(.mixupProbability, \.mixupProbability); try set(.randomErasing, \.randomErasing)
        try setOptional(.clipGradNorm, \.clipGradNorm); try set(.evalEvery, \.evalEvery); try set(.bestMetric, \.bestMetric)
        try set(.linearEvalTrainMode, \.linearEvalTrainMode); try set(.seed, \.seed); try setOptional(.threads, \.threads)
        try set(.workers, \.workers); try set(.cacheImages, \.cacheImages)
        self.mode = mode
    }

    /// All keys, for unknown-key checks and did-you-mean suggestions.
    public static var keys: [String] {
        [CodingKeys.mode, .preset, .imageSize, .tokenStride, .representationSize, .dropPathRate, .initCheckpoint, .dataset, .root,
         .task, .testRoot, .folds, .fold, .groupByPatient, .zoom, .testFraction, .labelFraction, .splitSeed, .epochs, .batchSize,
         .lr, .minLR, .warmupEpochs, .warmupLR, .weightDecay, .labelSmoothing, .mixup, .cutmix, .mixupProbability, .randomErasing,
         .clipGradNorm, .evalEvery, .bestMetric, .linearEvalTrainMode, .seed, .threads, .workers, .cacheImages].map(\.rawValue)
    }
}

/// A run configuration that cannot be used.
public enum RunConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(key: String, value: String, expected: String)
    case unknownKey(String, file: String, suggestion: String?)

    public var description: String {
        switch self {
        case let .invalid(k, v, e): return "\(k) = \(v): expected \(e)"
        case let .unknownKey(k, f, s): return "\(f): unknown key '\(k)'" + (s.map { " (did you mean '\($0)'?)" } ?? "")
        }
    }
}
