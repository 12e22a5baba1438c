import Foundation
import HistoData
import Training

/// What a spec asks for at one sweep point — data, evaluation protocol, modes and SSL —
/// decoded once from the validated tree, so the planner and the tables read types, not text.
public struct ExperimentDesign: Sendable, Equatable {
    /// The labelled dataset (`dataset:`).
    public struct Data: Sendable, Equatable {
        public var kind: DatasetKind
        public var root: String
        /// BreakHis only: binary or eight-class.
        public var task: BreakHisTask?
        /// A fixed test folder instead of folds or a held-out fraction.
        public var testRoot: String?
    }

    /// How runs are split and repeated (`protocol:`).
    public struct EvaluationProtocol: Sendable, Equatable {
        /// k of k-fold cross-validation; nil for one train/test split.
        public var folds: Int?
        /// The folds to run (default: all of them).
        public var runFolds: [Int]?
        public var groupByPatient: Bool
        /// BreakHis magnifications, each a separate set of runs; nil pools them.
        public var zooms: [String]?
        public var labelFractions: [Double]
        public var seeds: [UInt64]
        public var testFraction: Double?
        public var splitSeed: Int?
        /// Share of each training split held out for model selection (nil: the default).
        public var validation: Double?

        /// The fold coordinate of each planned run: every run fold, or one nil without folds.
        public var foldList: [Int?] {
            guard let folds else { return [nil] }
            return (runFolds ?? Array(0..<folds)).map { $0 }
        }
        /// The zoom coordinate of each planned run (one nil when zooms are pooled).
        public var zoomList: [String?] { zooms.map { $0.map { $0 } } ?? [nil] }
    }

    /// The `ssl:` block.
    public struct SSL: Sendable, Equatable {
        /// A pretrained checkpoint to start from instead of pretraining.
        public var checkpoint: String?
        /// An unlabelled dataset folder for pretraining (default: the labelled one).
        public var datasetRoot: String?
    }

    public var data: Data
    public var evaluation: EvaluationProtocol
    /// Downstream modes, in the spec's order.
    public var modes: [RunConfig.Mode]
    public var ssl: SSL?

    /// Whether this point plans an SSL pretraining run: a downstream mode needs one and no
    /// checkpoint is given, or an SSL block stands alone (ssl-pretrain.yaml: other specs
    /// sharing the results folder reuse it).
    public var pretrains: Bool {
        guard ssl?.checkpoint == nil else { return false }
        return modes.contains { $0.needsSSLCheckpoint } || (ssl != nil && modes.isEmpty)
    }

    /// Decodes a validated spec tree (the spec with one sweep point written in).
    ///
    /// - Throws: `SpecError` naming the key whose value does not decode.
    init(_ tree: SpecValue) throws {
        let r = SpecReader(tree: tree)
        guard let kind = try r.choice("dataset.kind", DatasetKind.self) else {
            throw SpecError.missing(tree.location, path: "dataset.kind")
        }
        guard let root = try r.string("dataset.root") else { throw SpecError.missing(tree.location, path: "dataset.root") }
        data = Data(kind: kind, root: root, task: try r.choice("dataset.task", BreakHisTask.self), testRoot: try r.string("dataset.test_root"))
        evaluation = EvaluationProtocol(
            folds: try r.int("protocol.folds"), runFolds: try r.list("protocol.run_folds", expected: "a fold index", Int.init),
            groupByPatient: try r.scalar("protocol.group_by", expected: "image or patient") { ["image": false, "patient": true][$0] } ?? false,
            zooms: try r.list("protocol.zooms", expected: "a magnification") { $0 },
            labelFractions: try r.list("protocol.label_fractions", expected: "a number", Double.init) ?? [1],
            seeds: try r.list("protocol.seeds", expected: "a non-negative integer", UInt64.init) ?? [0],
            testFraction: try r.double("protocol.test_fraction"), splitSeed: try r.int("protocol.split_seed"),
            validation: try r.double("protocol.validation"))
        if evaluation.folds == nil, let rf = r.value("protocol.run_folds") {
            throw SpecError.range(rf.location, path: "protocol.run_folds", value: rf.canonical, expected: "protocol.folds beside it (run_folds picks folds of a CV)")
        }
        if let k = evaluation.folds, case .sequence(let items, _)? = r.value("protocol.run_folds") {
            for (i, f) in (evaluation.runFolds ?? []).enumerated() where f >= k {
                throw SpecError.range(items[i].location, path: "protocol.run_folds[\(i)]", value: String(f), expected: "a fold index in 0…\(k - 1)")
            }
        }
        modes = try r.choices("modes", RunConfig.Mode.self) ?? []
        ssl = r.value("ssl") == nil ? nil : SSL(checkpoint: try r.string("ssl.checkpoint"), datasetRoot: try r.string("ssl.dataset.root"))
    }
}
