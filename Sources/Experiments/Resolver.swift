import Foundation
import HistoData
import Training

/// Turns a validated spec tree into run configurations: paper defaults for the mode, then
/// model, dataset and protocol, then `train` (common), then `train.<mode>`.
enum Resolver {
    static func apply(_ settings: SpecValue?, to c: inout RunConfig) {
        for (k, v) in settings?.pairs ?? [] {
            guard let s = v.scalarString else { continue }
            switch k {
            case "epochs": c.epochs = Int(s)!
            case "batch_size": c.batchSize = Int(s)!
            case "lr": c.lr = Double(s)!
            case "min_lr": c.minLR = Double(s)!
            case "warmup_epochs": c.warmupEpochs = Int(s)!
            case "warmup_lr": c.warmupLR = Double(s)!
            case "weight_decay": c.weightDecay = Float(s)!
            case "label_smoothing": c.labelSmoothing = Float(s)!
            case "mixup": c.mixup = Double(s)!
            case "cutmix": c.cutmix = Double(s)!
            case "mixup_prob": c.mixupProbability = Double(s)!
            case "random_erasing": c.randomErasing = Float(s)!
            case "clip_grad": c.clipGradNorm = Float(s)!
            case "eval_every": c.evalEvery = Int(s)!
            case "best_metric": c.bestMetric = s
            case "representation_size": c.representationSize = Int(s)!
            case "linear_eval_train_mode": c.linearEvalTrainMode = s == "true"
            case "workers": c.workers = Int(s)!
            case "cache_images": c.cacheImages = s == "true"
            case "drop_path_rate": c.dropPathRate = Float(s)!
            case "threads": c.threads = Int(s)!
            default: break
            }
        }
    }

    static func applyModel(_ tree: SpecValue, to c: inout RunConfig) {
        guard let m = tree["model"] else { return }
        if let s = m["preset"]?.scalarString { c.preset = s }
        if let s = m["image_size"]?.scalarString { c.imageSize = Int(s)! }
        if let s = m["token_stride"]?.scalarString { c.tokenStride = Int(s)! }
    }

    /// Paths stay as written (relative ones resolve against the working directory when a
    /// run opens them), so a run's identity does not depend on where the checkout lives.
    static func path(_ s: String) -> String { s }

    static func sslConfig(_ tree: SpecValue, seed: UInt64) throws -> RunConfig {
        var c = RunConfig.paper(.ssl)
        applyModel(tree, to: &c)
        if let d = tree.value(at: ["ssl", "dataset"]) {
            c.dataset = d["kind"]?.scalarString.flatMap(DatasetKind.init(rawValue:)) ?? .unlabeled
            c.root = path(d["root"]!.scalarString!)
        } else {
            c.dataset = .unlabeled
            c.root = path(tree.value(at: ["dataset", "root"])!.scalarString!)
        }
        apply(tree["ssl"], to: &c)
        c.seed = seed
        return c
    }

    static func downstreamConfig(_ tree: SpecValue, mode: RunConfig.Mode, seed: UInt64, fold: Int?, zoom: String?,
                                 labelFraction: Double) throws -> RunConfig {
        var c = RunConfig.paper(mode)
        applyModel(tree, to: &c)
        let d = tree["dataset"]!
        c.dataset = DatasetKind(rawValue: d["kind"]!.scalarString!)!
        c.root = path(d["root"]!.scalarString!)
        if let t = d["task"]?.scalarString { c.task = BreakHisTask(rawValue: t)! }
        if let t = d["test_root"]?.scalarString { c.testRoot = path(t) }
        let p = tree["protocol"]
        c.folds = p?["folds"]?.scalarString.flatMap(Int.init)
        c.fold = fold
        c.groupByPatient = p?["group_by"]?.scalarString == "patient"
        c.zoom = zoom
        c.testFraction = p?["test_fraction"]?.scalarString.flatMap(Double.init)
        c.splitSeed = p?["split_seed"]?.scalarString.flatMap(UInt64.init) ?? 0
        c.labelFraction = labelFraction
        apply(tree["train"], to: &c)
        apply(tree.value(at: ["train", mode.rawValue]), to: &c)
        if mode == .mlp && c.representationSize == nil { c.representationSize = 1024 }
        c.seed = seed
        return c
    }
}
