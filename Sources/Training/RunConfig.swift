import CSiTKit
import Evaluation
import Foundation
import HistoData

/// What one training run computes: every setting of the run's identity (`RunSetting.all`
/// with role `.identity`). Stored in the run folder as `config.json`; hashed by
/// `RunIdentity` into the run id. How the run executes is `ExecutionConfig`.
///
/// The values below are placeholders: `RunConfig.paper(_:)` fills every field from the
/// settings table, which is the only place a default is declared.
public struct RunConfig: Equatable, Sendable {
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
        /// Control: linear heads on a frozen, randomly initialised backbone. Beside SSL+LE it
        /// shows what pretraining adds over random features.
        case randomLE = "random-le"
        /// Control: MLP heads on a frozen, randomly initialised backbone (beside SSL+MLP).
        case randomMLP = "random-mlp"

        /// Modes that start from an SSL checkpoint.
        public var needsSSLCheckpoint: Bool { self == .le || self == .mlp || self == .sslft }
        /// Modes that train heads on a frozen backbone.
        public var freezesBackbone: Bool { [.le, .mlp, .randomLE, .randomMLP].contains(self) }
        /// How tables name the mode (the paper's names; the controls say what they start from).
        public var tableName: String {
            switch self {
            case .ssl: return "SSL"
            case .ft: return "FT"
            case .le: return "SSL+LE"
            case .mlp: return "SSL+MLP"
            case .sslft: return "SSL+FT"
            case .randomLE: return "Random+LE"
            case .randomMLP: return "Random+MLP"
            }
        }

        /// The mode whose paper defaults and `train.<mode>` spec block apply first: a control
        /// trains exactly as the probe it controls, except for the backbone's initialisation.
        public var settingsBase: Mode {
            switch self {
            case .randomLE: return .le
            case .randomMLP: return .mlp
            default: return self
            }
        }
    }

    /// The model the test split is evaluated on, once.
    public enum Selection: String, Codable, CaseIterable, Sendable {
        /// The model after the last epoch (the published protocol).
        case last
        /// The checkpoint that scored best on the validation split (`best.safetensors`).
        case best
    }

    public var mode: Mode = .ft
    // Model
    public var preset = ""
    public var imageSize = 0
    public var tokenStride = 0
    /// Architecture overrides of the preset (nil: the preset's value).
    public var dim: Int?, depth: Int?, heads: Int?, mlpRatio: Int?
    public var representationSize: Int?
    public var dropPathRate: Float = 0
    /// The checkpoint to start from (le, mlp, ssl-ft): a file path, or `ssl-run:<id>` for the
    /// output of a planned SSL run, which the runner locates in the results folder.
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
    public var labelFraction: Double = 0
    public var splitSeed: UInt64 = 0
    /// Share of each training split held out as validation (stratified, patient-grouped with
    /// grouped folds) for per-epoch metrics, `best.safetensors` and early stopping; 0 keeps
    /// the published behaviour (those on the test split, said so in tables).
    public var validation = 0.0
    // Whole slides (dataset slides only)
    /// Microns per pixel of the tiles cut from slides.
    public var slideMPP = 0.0
    /// Tile side in pixels at `slideMPP`.
    public var slideTile = 0
    /// At most this many tiles per slide, sampled with `seed` (nil: every tissue tile).
    public var tilesPerSlide: Int?
    /// The least tissue share of a tile.
    public var minTissue = 0.0
    // Optimisation
    public var epochs = 0
    public var batchSize = 0
    /// Base learning rate before scaling by batch / 512.
    public var lr = 0.0
    public var minLR = 0.0
    public var warmupEpochs = 0
    public var warmupLR = 0.0
    public var weightDecay: Float = 0
    public var labelSmoothing: Float = 0
    public var mixup = 0.0
    public var cutmix = 0.0
    public var mixupProbability = 0.0
    public var randomErasing: Float = 0
    public var clipGradNorm: Float?
    /// Evaluate every N epochs (and after the last).
    public var evalEvery = 0
    /// Metric that picks `best.safetensors`.
    public var bestMetric: Metric = .accuracy
    /// Which model the test split evaluates: the last epoch's or the best on validation.
    public var select: Selection = .last
    /// Stop after this many evaluations without a better validation score (nil: never).
    public var patience: Int?
    /// The published linear evaluation left the frozen backbone in train mode (drop-path on).
    public var linearEvalTrainMode = false
    public var seed: UInt64 = 0
    // SSL objective (mode ssl only)
    /// The enabled pretext tasks (all three as published).
    public var sslTasks: SSLTaskSet = .all
    /// How the enabled losses combine: learned uncertainty weights (published) or equal.
    public var lossWeighting: SSLLossWeighting = .uncertainty

    /// The paper's settings for fine-tuning from scratch.
    public init() { self = Self.paper(.ft) }

    init(placeholder: Void) {}

    /// The paper's settings for a mode (method.md §3), from the settings table.
    public static func paper(_ mode: Mode) -> RunConfig { RunSettings.paper(mode).config }

    /// Checks every value against its setting's domain, then the combinations no run could use.
    ///
    /// - Throws: `RunConfigError` naming the key and what was expected.
    public func validate() throws {
        let s = RunSettings(config: self, execution: ExecutionConfig())
        for setting in RunSetting.all where setting.role == .identity {
            if let text = setting.text(in: s), !setting.domain.contains(text) {
                throw RunConfigError.invalid(key: setting.key, value: text, expected: setting.domain.expected)
            }
        }
        func bad(_ key: String, _ value: Any, _ expected: String) -> RunConfigError { .invalid(key: key, value: "\(value)", expected: expected) }
        guard mode != .ssl || batchSize >= 2 else { throw bad("batch_size", batchSize, "at least 2 for the contrastive loss") }
        guard !root.isEmpty else { throw bad("root", root, "the dataset folder") }
        if mode.needsSSLCheckpoint && initCheckpoint == nil { throw bad("init_checkpoint", "none", "an SSL checkpoint for mode \(mode.rawValue)") }
        if mode.settingsBase != mode && initCheckpoint != nil {
            throw bad("init_checkpoint", initCheckpoint!, "unset: mode \(mode.rawValue) is a control on a randomly initialised backbone")
        }
        if let f = fold { guard let k = folds, f < k else { throw bad("fold", f, "0..<folds (folds: \(folds.map(String.init) ?? "unset"))") } }
        if mode.settingsBase == .mlp && representationSize == nil { throw bad("representation_size", "none", "R for mode \(mode.rawValue)") }
        if select == .best && validation == 0 { throw bad("select", "best", "last, or a validation split (best on the test split would select on it)") }
        if patience != nil && validation == 0 { throw bad("patience", patience!, "unset, or a validation split (early stopping on the test split would select on it)") }
        if mode != .ssl && sslTasks != .all { throw bad("tasks", sslTasks.text, "all three: pretext tasks apply to mode ssl only") }
        if mode != .ssl && lossWeighting != .uncertainty {
            throw bad("loss_weighting", lossWeighting.rawValue, "uncertainty: the loss weighting applies to mode ssl only")
        }
        if dataset != .breakhis && task != .binary { throw bad("task", task.rawValue, "no task: it applies to BreakHis only (dataset \(dataset.rawValue))") }
        if dataset != .slides {
            let paper = RunSettings.paper(mode)
            for setting in RunSetting.all where setting.placement == .dataset && setting.text(in: s) != setting.text(in: paper) {
                throw bad(setting.key, setting.text(in: s) ?? "none", "unset: it tiles whole slides and applies to dataset slides only (dataset \(dataset.rawValue))")
            }
        }
        // A slide's tiles are near-copies of each other: a split by tile would test on the
        // slides it trained (and selected) on.
        if dataset == .slides && mode != .ssl {
            if folds == nil && testRoot == nil {
                throw bad("test_root", "none", "a test_root of other slides, or folds with group_by patient, for dataset slides (a hold-out by tile puts a slide's tiles in train and test)")
            }
            if (folds != nil || validation > 0) && !groupByPatient {
                throw bad("group_by_patient", false, "true for dataset slides with folds or a validation split (every tile of a slide in one split)")
            }
        }
        do { _ = try modelConfig() } catch let e as ModelConfigError { throw RunConfigError.model(e.description) }
    }
}

/// A run configuration that cannot be used.
public enum RunConfigError: Error, CustomStringConvertible, Equatable {
    case invalid(key: String, value: String, expected: String)
    case unknownKey(String, file: String, suggestion: String?)
    /// The architecture the settings describe cannot be built.
    case model(String)

    public var description: String {
        switch self {
        case .model(let why): return "model: \(why)"
        case let .invalid(k, v, e): return "\(k) = \(v): expected \(e)"
        case let .unknownKey(k, f, s): return "\(f): unknown key '\(k)'" + (s.map { " (did you mean '\($0)'?)" } ?? "")
        }
    }
}
