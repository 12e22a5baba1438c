import CSiTKit
import Evaluation
import Foundation
import HistoData

extension RunSetting {
    /// The presets `csit train` can build (the CCT reference architecture is for parity and
    /// benchmarks only: the trainer builds cSiT models).
    public static let trainablePresets = CSiTConfig.presetNames.filter {
        (try? CSiTConfig.preset($0))?.architecture == .csit
    }

    /// Every run setting, in the order of `csit train --help` and the generated table.
    /// Paper defaults follow method.md §3: SSL batch 72, 10 epochs, lr 1e-4; fine-tuning batch
    /// 120, 50 epochs, lr 5e-4; frozen-backbone evaluation lr 1e-3, wd 5e-4, 10 epochs, no
    /// mixing or erasing, and R = 1024 for MLP heads.
    public static let all: [RunSetting] = [
        .value("mode", \.config.mode, .choice(RunConfig.Mode.allCases.map(\.rawValue)), default: .ft,
               paper: Dictionary(uniqueKeysWithValues: RunConfig.Mode.allCases.map { ($0, $0) }), placement: .planned,
               help: "Training protocol: ssl, ft, le, mlp, ssl-ft, or the random-init controls random-le and random-mlp (le and mlp on an untrained backbone); selects the paper defaults."),
        // Model
        .value("preset", \.config.preset, .choice(trainablePresets), default: "csit-compact", aliases: ["--model"],
               placement: .model, help: "Model preset."),
        .value("image_size", \.config.imageSize, .integer(8...4096), default: 224, aliases: ["--input-size"],
               placement: .model, help: "Image side S in pixels."),
        .value("token_stride", \.config.tokenStride, .choice(["8", "16"]), default: 16, placement: .model,
               help: "Token stride: 16 (published) or 8 (second max-pool stride 1)."),
        .optional("dim", \.config.dim, .integer(1...8192), placement: .model, help: "Width d, overriding the preset's."),
        .optional("depth", \.config.depth, .integer(1...256), placement: .model, help: "Number of blocks L, overriding the preset's."),
        .optional("heads", \.config.heads, .integer(1...256), placement: .model, help: "Attention heads, overriding the preset's."),
        .optional("mlp_ratio", \.config.mlpRatio, .integer(1...16), placement: .model,
                  help: "MLP hidden width as a multiple of d, overriding the preset's."),
        .optional("representation_size", \.config.representationSize, .integer(1...1_000_000), paper: [.mlp: 1024],
                  help: "R: Linear d→R → tanh before each head (MLP evaluation)."),
        .value("drop_path_rate", \.config.dropPathRate, .number(0...1), default: 0.1, aliases: ["--drop-path"],
               help: "Stochastic-depth rate of the last block."),
        .optional("init_checkpoint", \.config.initCheckpoint, .path, aliases: ["--finetune"],
                  placement: .planned, help: "SSL checkpoint to start from (le, mlp, ssl-ft; never for the random-init controls)."),
        // Data
        .value("dataset", \.config.dataset, .choice(DatasetKind.allCases.map(\.rawValue)), default: .imageFolder,
               paper: [.ssl: .unlabeled], placement: .planned, help: "Dataset layout: imagefolder, nct, breakhis, unlabeled, or slides (whole slides tiled on the fly: root/<class>/<slide>, or a flat folder for SSL)."),
        .value("root", \.config.root, .path, default: "", flag: "--data", aliases: ["--data-path", "--root"], placement: .planned,
               help: "Dataset root folder."),
        .value("task", \.config.task, .choice(BreakHisTask.allCases.map(\.rawValue)), default: .binary, placement: .planned,
               help: "BreakHis task: binary or 8-class."),
        .optional("test_root", \.config.testRoot, .path, placement: .planned, help: "Fixed test-set root (CRC-VAL-HE-7K for NCT)."),
        .optional("folds", \.config.folds, .integer(2...100), placement: .planned, help: "Cross-validation folds."),
        .optional("fold", \.config.fold, .integer(0...99), placement: .planned, help: "The fold held out as the test set."),
        .value("group_by_patient", \.config.groupByPatient, .flag, default: false, placement: .planned,
               help: "Patient-grouped folds (BreakHis)."),
        .optional("zoom", \.config.zoom, .choice(BreakHis.magnifications), placement: .planned,
                  help: "BreakHis magnification: 40X, 100X, 200X or 400X."),
        .optional("test_fraction", \.config.testFraction, .number(1e-6...0.999999), placement: .planned,
                  help: "Hold-out test share without folds or a test root (0.2 when neither is given)."),
        .value("label_fraction", \.config.labelFraction, .number(1e-6...1), default: 1, placement: .planned,
               help: "Share of the training labels used (semi-supervised runs)."),
        .value("validation", \.config.validation, .number(0...0.9), default: 0.1, paper: [.ssl: 0], placement: .planned,
               help: "Share of each training split held out (stratified; patient-grouped with grouped folds) for per-epoch metrics, best.safetensors and early stopping; 0: none, those then use the test split as published."),
        .value("split_seed", \.config.splitSeed, .integer(0...Int(Int32.max)), default: 0, placement: .planned,
               help: "Seed of the folds, hold-out and label fraction."),
        // Whole slides as data: the tiling of dataset slides (refused for other datasets, and
        // in the run id for slides only, so no other run's id changes).
        .value("mpp", \.config.slideMPP, .number(0.01...100), default: 0.5, placement: .dataset,
               help: "Slides: microns per pixel of the tiles (0.5 as NCT-CRC-HE, about 20×; csit slide predict --mpp); read at the coarsest level at least as fine, resized."),
        .value("tile", \.config.slideTile, .integer(8...4096), default: 224, placement: .dataset,
               help: "Slides: tile side in pixels at mpp (non-overlapping grid over each slide), as csit slide predict --tile."),
        .optional("tiles_per_slide", \.config.tilesPerSlide, .integer(1...10_000_000), placement: .dataset,
                  help: "Slides: at most this many tissue tiles per slide, sampled with the run's seed (unset: all)."),
        .value("tissue_threshold", \.config.minTissue, .number(0...1), default: 0.5, placement: .dataset,
               help: "Slides: least share of a tile the tissue mask (Otsu on saturation) must cover."),
        // Optimisation
        .value("epochs", \.config.epochs, .integer(1...100_000), default: 50, paper: [.ssl: 10, .le: 10, .mlp: 10],
               help: "Training epochs."),
        .value("batch_size", \.config.batchSize, .integer(1...100_000), default: 120, paper: [.ssl: 72],
               help: "Batch size (main.py --batch-size)."),
        .value("lr", \.config.lr, .number(1e-12...10), default: 5e-4, paper: [.ssl: 1e-4, .le: 1e-3, .mlp: 1e-3],
               help: "Base learning rate, scaled by batch / 512."),
        .value("min_lr", \.config.minLR, .number(0...10), default: 5e-6, help: "Final learning rate of the cosine schedule."),
        .value("warmup_epochs", \.config.warmupEpochs, .integer(0...10_000), default: 5, help: "Linear warm-up epochs."),
        .value("warmup_lr", \.config.warmupLR, .number(0...10), default: 1e-6, help: "Learning rate at the start of warm-up."),
        .value("weight_decay", \.config.weightDecay, .number(0...10), default: 0.05, paper: [.le: 5e-4, .mlp: 5e-4],
               help: "AdamW weight decay (not on biases, norms, tokens or positional embeddings)."),
        .value("label_smoothing", \.config.labelSmoothing, .number(0...1), default: 0.1, aliases: ["--smoothing"],
               help: "Label smoothing."),
        .value("mixup", \.config.mixup, .number(0...100), default: 0.8, paper: [.le: 0, .mlp: 0], help: "Mixup α (0 disables)."),
        .value("cutmix", \.config.cutmix, .number(0...100), default: 1.0, paper: [.le: 0, .mlp: 0], help: "CutMix α (0 disables)."),
        .value("mixup_prob", \.config.mixupProbability, .number(0...1), default: 1.0,
               help: "Probability of mixing a batch."),
        .value("random_erasing", \.config.randomErasing, .number(0...1), default: 0.25, paper: [.le: 0, .mlp: 0],
               aliases: ["--reprob"], help: "Random-erasing probability."),
        .optional("clip_grad", \.config.clipGradNorm, .number(0...1e9), help: "Gradient-norm clipping (unset: none)."),
        .value("eval_every", \.config.evalEvery, .integer(1...100_000), default: 1, help: "Evaluate every N epochs (and after the last)."),
        .value("best_metric", \.config.bestMetric, .choice(Metric.general.map(\.rawValue)), default: .accuracy,
               help: "Metric that picks best.safetensors."),
        .value("select", \.config.select, .choice(RunConfig.Selection.allCases.map(\.rawValue)), default: .last,
               help: "The model the test split evaluates once: last (the last epoch's, as published) or best (best.safetensors, best on validation)."),
        .optional("patience", \.config.patience, .integer(1...100_000),
                  help: "Stop after this many evaluations without a better validation score (unset: never)."),
        .value("linear_eval_train_mode", \.config.linearEvalTrainMode, .flag, default: false,
               help: "Keep the frozen backbone in train mode (drop-path on), as the published linear evaluation did."),
        .value("seed", \.config.seed, .integer(0...Int(Int32.max)), default: 0, placement: .planned,
               help: "Root seed of initialisation, augmentation, mixing and order."),
        // SSL objective: the pretext-task ablation. Added after runs existed, so the defaults
        // stay out of the run id and earlier SSL runs keep theirs.
        .value("tasks", \.config.sslTasks, .subset(SSLPretextTask.allCases.map(\.rawValue)), default: .all,
               placement: .ssl, omittedAtDefault: true,
               help: "SSL pretext tasks whose losses train (ssl only): any of rotation, contrastive, reconstruction; a task left out adds no loss and no gradient."),
        .value("loss_weighting", \.config.lossWeighting, .choice(SSLLossWeighting.allCases.map(\.rawValue)), default: .uncertainty,
               placement: .ssl, omittedAtDefault: true,
               help: "How the SSL losses combine (ssl only): uncertainty (published: a learned log-variance scalar s per task, e^(-s)·L + s/2, e^(-s/2)·L + s/2 for reconstruction) or equal (their sum, weight 1)."),
        // Execution
        .optional("threads", \.execution.threads, .integer(1...4096), role: .execution, placement: .commandLine,
                  help: "Threads for csit's loops and GEMM splits (default: CSIT_THREADS, else all cores)."),
        .value("workers", \.execution.workers, .integer(1...256), default: 1, aliases: ["--num-workers"],
               role: .execution, help: "Loader threads."),
        .value("cache_images", \.execution.cacheImages, .flag, default: true, role: .execution,
               help: "Keep decoded images in memory between epochs."),
        .value("cache_mib", \.execution.cacheMiB, .integer(0...1_048_576), default: 2048, role: .execution,
               help: "Memory the image cache may use, in MiB."),
        .value("checkpoint_minutes", \.execution.checkpointMinutes, .number(0...1_000_000), default: 10, role: .execution,
               help: "Minutes between checkpoints inside an epoch (0: only at epoch ends and on SIGTERM, SIGUSR1 or SIGINT); a kill -9 loses at most this much work."),
    ]
}
