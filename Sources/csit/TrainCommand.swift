import ArgumentParser
import CSiTKit
import Foundation
import HistoData
import Training
import Yams

extension RunConfig.Mode: ExpressibleByArgument {}

/// `csit train`: one run from flags and/or a small YAML file.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one run: SSL pretraining, fine-tuning, linear or MLP evaluation, or SSL+FT.",
        discussion: """
        Settings come from the mode's paper defaults, then --config (YAML with the keys of config.json), \
        then flags. Flags use the published main.py names where one exists (see the README's mapping). \
        Re-running with the same --output resumes after the last finished epoch.
        """)

    @Option(help: "ssl, ft, le, mlp or ssl-ft.") var mode: RunConfig.Mode?
    @Option(help: "YAML file with run settings.") var config: String?
    @Option(help: "Run folder (checkpoints, logs, metrics, report).") var output: String
    @Option(name: .customLong("model"), help: "Model preset (main.py --model).") var preset: String?
    @Option(name: .customLong("input-size"), help: "Image size S (main.py --input-size).") var imageSize: Int?
    @Option(help: "Token stride 16 or 8.") var tokenStride: Int?
    @Option(help: "Representation size R for MLP heads.") var representationSize: Int?
    @Option(name: .customLong("drop-path"), help: "Stochastic-depth rate.") var dropPath: Float?
    @Option(name: .customLong("finetune"), help: "Checkpoint to start from (main.py --finetune).") var initCheckpoint: String?
    @Option(help: "Dataset layout: imagefolder, nct, breakhis, unlabeled.") var dataset: DatasetKind?
    @Option(name: .customLong("data-path"), help: "Dataset root (main.py --data-path).") var root: String?
    @Option(help: "BreakHis task: binary or 8-class.") var task: BreakHisTask?
    @Option(help: "Fixed test-set root (e.g. CRC-VAL-HE-7K).") var testRoot: String?
    @Option(help: "Cross-validation folds.") var folds: Int?
    @Option(help: "The fold held out for testing.") var fold: Int?
    @Flag(help: "Patient-grouped folds (BreakHis).") var groupByPatient = false
    @Option(help: "Magnification (BreakHis): 40X, 100X, 200X, 400X.") var zoom: String?
    @Option(help: "Hold-out test fraction when there are no folds or test root.") var testFraction: Double?
    @Option(help: "Fraction of training labels (semi-supervised).") var labelFraction: Double?
    @Option(help: "Epochs.") var epochs: Int?
    @Option(name: .customLong("batch-size"), help: "Batch size (main.py --batch-size).") var batchSize: Int?
    @Option(help: "Base learning rate (scaled by batch/512).") var lr: Double?
    @Option(name: .customLong("min-lr"), help: "Final learning rate.") var minLR: Double?
    @Option(name: .customLong("warmup-epochs"), help: "Linear warm-up epochs.") var warmupEpochs: Int?
    @Option(name: .customLong("weight-decay"), help: "AdamW weight decay.") var weightDecay: Float?
    @Option(name: .customLong("smoothing"), help: "Label smoothing (main.py --smoothing).") var labelSmoothing: Float?
    @Option(help: "Mixup α (0 disables).") var mixup: Double?
    @Option(help: "CutMix α (0 disables).") var cutmix: Double?
    @Option(name: .customLong("reprob"), help: "Random-erasing probability (main.py --reprob).") var randomErasing: Float?
    @Option(name: .customLong("clip-grad"), help: "Gradient-norm clipping.") var clipGrad: Float?
    @Option(help: "Evaluate every N epochs.") var evalEvery: Int?
    @Option(help: "Root seed.") var seed: UInt64?
    @Option(help: "Threads (default: CSIT_THREADS or all cores).") var threads: Int?
    @Option(name: .customLong("num-workers"), help: "Loader threads (main.py --num_workers).") var workers: Int?

    func run() throws {
        var c: RunConfig
        if let path = config {
            c = try RunConfigFile.load(path)
            if let mode, mode != c.mode { c = RunConfig.merge(RunConfig.paper(mode), over: c) }
        } else {
            c = RunConfig.paper(mode ?? .ft)
        }
        if let v = preset { c.preset = v }
        if let v = imageSize { c.imageSize = v }
        if let v = tokenStride { c.tokenStride = v }
        if let v = representationSize { c.representationSize = v }
        if let v = dropPath { c.dropPathRate = v }
        if let v = initCheckpoint { c.initCheckpoint = v }
        if let v = dataset { c.dataset = v }
        if let v = root { c.root = v }
        if let v = task { c.task = v }
        if let v = testRoot { c.testRoot = v }
        if let v = folds { c.folds = v }
        if let v = fold { c.fold = v }
        if groupByPatient { c.groupByPatient = true }
        if let v = zoom { c.zoom = v }
        if let v = testFraction { c.testFraction = v }
        if let v = labelFraction { c.labelFraction = v }
        if let v = epochs { c.epochs = v }
        if let v = batchSize { c.batchSize = v }
        if let v = lr { c.lr = v }
        if let v = minLR { c.minLR = v }
        if let v = warmupEpochs { c.warmupEpochs = v }
        if let v = weightDecay { c.weightDecay = v }
        if let v = labelSmoothing { c.labelSmoothing = v }
        if let v = mixup { c.mixup = v }
        if let v = cutmix { c.cutmix = v }
        if let v = randomErasing { c.randomErasing = v }
        if let v = clipGrad { c.clipGradNorm = v }
        if let v = evalEvery { c.evalEvery = v }
        if let v = seed { c.seed = v }
        if let v = threads { c.threads = v }
        if let v = workers { c.workers = v }
        do { try c.validate() } catch let e as RunConfigError { throw ValidationError(e.description) }
        let trainer = Trainer(config: c, runDir: URL(fileURLWithPath: output), reporter: ProgressReporter())
        let result = try trainer.run()
        if let m = result.metrics {
            print(m.markdown, terminator: "")
        }
        print("run folder: \(output) (report.md, metrics.json, model.safetensors)")
    }
}

/// Reading run settings from YAML with clear errors.
enum RunConfigFile {
    static func load(_ path: String) throws -> RunConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) }
        catch { throw ValidationError("\(path): cannot read: \(error.localizedDescription)") }
        guard let tree = try Yams.load(yaml: text) as? [String: Any] else { throw ValidationError("\(path): expected a mapping of run settings") }
        for key in tree.keys where !RunConfig.keys.contains(key) {
            throw ValidationError(RunConfigError.unknownKey(key, file: path, suggestion: RunConfig.keys.closest(to: key)).description)
        }
        do { return try YAMLDecoder().decode(RunConfig.self, from: text) }
        catch let DecodingError.typeMismatch(type, ctx), let DecodingError.valueNotFound(type, ctx) {
            throw ValidationError("\(path): \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)")
        } catch let DecodingError.dataCorrupted(ctx) {
            throw ValidationError("\(path): \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
        }
    }
}

extension RunConfig {
    /// `base` with the mode-independent settings of `other` (data, model, seed, execution).
    static func merge(_ base: RunConfig, over other: RunConfig) -> RunConfig {
        var c = base
        (c.preset, c.imageSize, c.tokenStride, c.dataset, c.root, c.task) = (other.preset, other.imageSize, other.tokenStride, other.dataset, other.root, other.task)
        (c.testRoot, c.folds, c.fold, c.groupByPatient, c.zoom) = (other.testRoot, other.folds, other.fold, other.groupByPatient, other.zoom)
        (c.seed, c.threads, c.workers, c.initCheckpoint) = (other.seed, other.threads, other.workers, other.initCheckpoint)
        return c
    }
}
