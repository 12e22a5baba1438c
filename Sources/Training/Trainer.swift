import CSiTKit
import Collectives
import Evaluation
import Foundation
import HistoData
import NeuralKit
import TensorKit

/// Trains one run of any mode (SSL, FT, LE, MLP, SSL+FT) in a run folder: config,
/// manifest, `log.jsonl`, `checkpoint.safetensors` every epoch, every `checkpoint_minutes`
/// and on a stop signal (atomic), `best.safetensors`, `model.safetensors`, `predictions.csv`,
/// `metrics.json` and the report. A run that finds a checkpoint in its folder continues at
/// the step after it and ends bit for bit as if never interrupted.
public final class Trainer {
    public let config: RunConfig
    public let execution: ExecutionConfig
    public let runDir: URL
    public var reporter: ProgressReporter?
    /// Continue a run folder written with fewer epochs (everything else equal): the saved
    /// state resumes and the schedule is recomputed for the new length, so the result is not
    /// the run that had the longer length from the start (the log keeps both lengths' epochs).
    public var extend = false
    /// Stop (as if killed) after this epoch has been checkpointed: for resume tests.
    public var stopAfterEpoch: Int?
    /// Test seam: when it returns true for (epoch, step) the loss is replaced by NaN.
    public var faultInjection: ((Int, Int) -> Bool)?
    /// The processes training this run together (data parallelism): each computes its share
    /// of every batch, gradients are averaged, rank 0 alone writes the run folder.
    public var communicator: Communicator = World.current
    /// What the gradient reductions cost so far (data parallelism; nil before training).
    public private(set) var reductionStatistics: GradientAverager.Statistics?
    /// Test seam: checkpoint and stop after this step (epoch and step from 0), as a signal would.
    public var stopAfterStep: (epoch: Int, step: Int)?
    /// The stop signal received, polled after every step (`csit train` and `csit run --run`
    /// pass their sigaction flag; nil: none).
    public var stopSignal: () -> Int32? = { nil }
    /// The clock of time-based checkpoints (a test seam).
    public var clock: () -> Date = Date.init

    /// - Parameters:
    ///   - config: what the run computes (its identity).
    ///   - execution: how it runs (threads, loaders, cache, where a planned SSL checkpoint lives).
    public init(config: RunConfig, execution: ExecutionConfig = ExecutionConfig(), runDir: URL, reporter: ProgressReporter? = nil) {
        self.config = config
        self.execution = execution
        self.runDir = runDir
        self.reporter = reporter
    }

    var checkpointURL: URL { runDir.appendingPathComponent("checkpoint.safetensors") }

    /// The file the init checkpoint is read from: the runner's location of a planned SSL
    /// run's model, else the configured path.
    func initCheckpointPath() throws -> String? {
        guard let ck = config.initCheckpoint else { return nil }
        if let p = execution.initCheckpointPath { return p }
        guard !ck.hasPrefix(RunIdentity.plannedPrefix) else {
            throw RunConfigError.invalid(key: "init_checkpoint", value: ck, expected: "a checkpoint file (planned SSL runs are located by csit run)")
        }
        return RunIdentity.checkpointFile(ck)
    }

    /// Runs (or resumes) the training.
    ///
    /// - Throws: `RunConfigError`, dataset errors, `CheckpointError`, `TrainingError`.
    public func run() throws -> RunResult {
        // The run's thread count is scoped to it (a second trainer in this process keeps its own).
        let context = execution.threads.map { ComputeContext.current.with(threads: $0) } ?? ComputeContext.current
        return try context.run { try train() }
    }

    private func train() throws -> RunResult {
        let c = config
        try c.validate()
        let data = try RunData.resolve(c)
        // Refused before anything is written: one class trains a constant and scores nothing.
        // Classes with training images, not class folders: an empty folder (or a dataset
        // layout of nine classes holding one) trains a classifier of one class.
        let present = Set(data.trainIndices.compactMap { data.train.samples[$0].label })
        if c.mode != .ssl && present.count < 2 {
            throw TrainingError.tooFewClasses(root: c.root, classes: present.sorted().map { data.train.classes[$0] })
        }
        let runID = try RunIdentity.id(c, dataSHA256: data.contentHash)
        let previous = extend ? try previousRunID(data: data) : nil
        let artifacts = RunArtifacts(runDir: runDir)
        let classes = data.train.classes
        let task = TaskFamily.make(c)
        var initRNG = RNG(seed: c.seed, stream: "init")
        let model = CSiTModel(config: try c.modelConfig(), mode: task.modelMode(classes: classes.count), rng: &initRNG)
        if let ckpt = try initCheckpointPath() {
            let report = try model.loadPretrained(contentsOf: URL(fileURLWithPath: ckpt))
            reporter?.note("initialised from \(ckpt): \(report.loaded.count) tensors loaded"
                           + (report.resized.isEmpty ? "" : ", positional embedding resized"))
        }
        task.prepare(model)
        var card = RunArtifacts.card(model, config: c, classes: classes, runID: runID)
        let optimizer = AdamW(groups: model.parameterGroups(weightDecay: c.weightDecay))

        let parallel = try DataParallel(communicator: communicator, batchSize: c.batchSize)
        let root = communicator.isRoot
        let averager = GradientAverager(parameters: model.trainableParameters.map(\.tensor), communicator: communicator)
        let cache = execution.cacheImages ? ImageCache(capacityBytes: execution.cacheMiB << 20) : nil
        let train = TrainingData(dataset: data.train, indices: data.trainIndices, imageSize: c.imageSize, batchSize: c.batchSize,
                                 seed: c.seed, cache: cache)
        let steps = train.stepsPerEpoch
        guard steps >= 1 else { throw TrainingError.tooFewImages(split: "training", images: data.trainIndices.count, batch: c.batchSize) }
        let schedule = CosineSchedule(baseLR: CosineSchedule.scaledLR(c.lr, batchSize: c.batchSize), minLR: c.minLR,
                                      warmupLR: c.warmupLR, warmupSteps: c.warmupEpochs * steps, totalSteps: c.epochs * steps)

        var start = 0
        var best: Double?
        var sinceBest = 0
        var resumeInEpoch: EpochProgress?
        if let saved = try Checkpoint.restore(model: model, optimizer: optimizer, from: checkpointURL, runID: runID, extending: previous?.id) {
            if saved.stoppedEarly && previous != nil {
                throw TrainingError.cannotExtend(runDir.path, reason: "it stopped early (patience) after epoch \(saved.epoch + 1); more epochs would not run")
            }
            (best, sinceBest) = (saved.best, saved.sinceBest)
            if let progress = saved.inEpoch, !saved.stoppedEarly {
                guard progress.step <= steps else {
                    throw TrainingError.incompatibleCheckpoint(checkpointURL.path, reason: "it stopped after step \(progress.step) of an epoch, "
                                                               + "but an epoch here has \(steps) steps")
                }
                (start, resumeInEpoch) = (saved.epoch, progress)
                reporter?.note("resuming epoch \(saved.epoch + 1) of \(c.epochs) after step \(progress.step) of \(steps)")
            } else {
                start = saved.stoppedEarly ? c.epochs : saved.epoch + 1
                reporter?.note(saved.stoppedEarly ? "stopped early after epoch \(saved.epoch + 1); finishing"
                                                  : "resuming after epoch \(saved.epoch + 1) of \(c.epochs)")
            }
        }
        // Every rank has read the folder (checkpoint, --extend's config) before rank 0 writes.
        communicator.barrier()
        // Written only now: a folder that refused to resume keeps the configuration it has.
        if let previous, root { try recordExtension(from: previous) }
        card.extendedFromEpochs = extendedFromEpochs
        if root { try artifacts.begin(config: c, manifest: data.manifest) }
        var log = TrainingLog(url: runDir.appendingPathComponent("log.jsonl"), keepingThrough: start, writes: root)
        let scalars = RunScalars(runDir: runDir, label: execution.label, startStep: start * steps + (resumeInEpoch?.step ?? 0) + 1,
                                 enabled: root, reporter: reporter)
        let progressFile = RunProgressWriter(runDir: runDir, enabled: root)
        let evalData = data.test.map {
            TrainingData(dataset: $0, indices: data.testIndices, imageSize: c.imageSize, batchSize: c.batchSize, seed: c.seed, cache: cache)
        }
        // Per-epoch metrics, the best checkpoint and early stopping look at the validation
        // split; only a run without one (validation 0, the published protocol) uses the test split.
        let selection: (data: TrainingData, name: String)?
        if !data.validationIndices.isEmpty {
            selection = (TrainingData(dataset: data.train, indices: data.validationIndices, imageSize: c.imageSize, batchSize: c.batchSize,
                                      seed: c.seed, cache: cache), "validation")
        } else if c.validation == 0, let evalData, !data.testIndices.isEmpty {
            selection = (evalData, "test")
        } else {
            selection = nil
        }

        let policy = StepCheckpointPolicy(minutes: execution.checkpointMinutes, stopSignal: stopSignal, stopAfter: stopAfterStep, now: clock)
        for epoch in start..<c.epochs {
            let from = epoch == start ? resumeInEpoch ?? EpochProgress() : EpochProgress()
            // Rank 0 alone writes; every rank takes the same decisions (they are collective).
            let saveInEpoch = { (progress: EpochProgress) in
                guard root else { return }
                try Checkpoint.save(model: model, optimizer: optimizer, epoch: epoch, best: best, runID: runID, sinceBest: sinceBest,
                                    inEpoch: progress, to: self.checkpointURL)
            }
            let outcome = try trainEpoch(epoch, from: from, task: task, model: model, optimizer: optimizer, data: train, schedule: schedule,
                                         policy: policy, save: saveInEpoch, parallel: parallel, averager: averager, scalars: scalars,
                                         progressFile: progressFile)
            guard case .finished(var record) = outcome else {
                if case .stopped(let progress) = outcome {
                    let report = StopReport(signal: stopSignal(), epoch: epoch, step: progress.step)
                    reporter?.note(report.describe(steps: steps))
                    communicator.barrier()
                    return RunResult(runDir: runDir, records: log.records, metrics: nil, interrupted: true, stopped: report)
                }
                preconditionFailure("an epoch either finishes or stops")
            }
            reductionStatistics = averager.statistics
            try parallel.checkParametersAgree(model.trainableParameters.map(\.tensor), epoch: epoch)
            let last = epoch == c.epochs - 1
            if let selection, (epoch + 1) % c.evalEvery == 0 || last {
                let (m, _) = try Evaluator.evaluate(model, data: selection.data, classes: classes, communicator: communicator)
                record.validation = m.summaryValues
                reporter?.note(String(format: "epoch %d: loss %.4f, %@ accuracy %.4f, macro F1 %.4f", epoch + 1, record.loss,
                                      selection.name, m.accuracy, m.macroF1))
                if let score = c.bestMetric.value(in: m) {
                    if best.map({ score > $0 }) ?? true {
                        (best, sinceBest) = (score, 0)
                        if root { try artifacts.writeBest(model, card: card, epoch: epoch, metric: c.bestMetric, score: score) }
                    } else {
                        sinceBest += 1
                    }
                }
            } else {
                reporter?.note(String(format: "epoch %d: loss %.4f", epoch + 1, record.loss))
            }
            if c.mode == .ssl && root {
                // The same images every epoch, so the pictures show what the model learned.
                let (views, _) = try train.sslViews(epoch: 0, step: 0, order: train.indices)
                var rng = RNG(seed: c.seed, stream: "reconstruction-picture")
                try artifacts.writeReconstruction(RunReport.reconstructionGrid(model: model, batch: SSLBatch.make(views: views, rng: &rng),
                                                                               epoch: epoch), epoch: epoch)
            }
            try log.append(record)
            scalars.epoch(record, step: (epoch + 1) * steps)
            let stop = !last && c.patience.map { sinceBest >= $0 } ?? false
            if root {
                try Checkpoint.save(model: model, optimizer: optimizer, epoch: epoch, best: best, runID: runID, sinceBest: sinceBest,
                                    stoppedEarly: stop, to: checkpointURL)
            }
            policy.checkpointed()
            if stopAfterEpoch == epoch && !last {
                return RunResult(runDir: runDir, records: log.records, metrics: nil, interrupted: true)
            }
            // A signal during the epoch's evaluation or pictures: the epoch's checkpoint is the place to stop.
            if parallel.communicator.any(policy.stopRequested) && !last && !stop {
                let report = StopReport(signal: stopSignal(), epoch: epoch, step: steps)
                reporter?.note(report.describe(steps: steps))
                return RunResult(runDir: runDir, records: log.records, metrics: nil, interrupted: true, stopped: report)
            }
            if stop {
                reporter?.note("stopping early: no better validation \(c.bestMetric.rawValue) for \(sinceBest) evaluations")
                break
            }
        }

        if root { try artifacts.writeModel(model, card: card) }
        // The test split is evaluated once, on the model `select` names; model.safetensors is
        // that model, so predict and evaluate on the run folder use what the metrics describe.
        var testedBest = false
        if c.select == .best {
            let url = runDir.appendingPathComponent("best.safetensors")
            // Rank 0 wrote it; every rank reads it once rank 0 says it is there.
            communicator.barrier()
            if communicator.any(root && FileManager.default.fileExists(atPath: url.path)) {
                testedBest = true
                _ = try model.load(try SafeTensors.read(url).tensors)
                if root { try artifacts.writeModel(model, card: card) }
                reporter?.note("test split evaluated on best.safetensors (best validation \(c.bestMetric.rawValue)), now model.safetensors")
            } else {
                reporter?.note("select: best, but no epoch scored \(c.bestMetric.rawValue) on validation: the last model is evaluated")
            }
        }
        var metrics: ClassificationMetrics?
        if let evalData, !data.testIndices.isEmpty {
            // Intervals seeded by the run's seed: the same run gives the same interval.
            let (m, predictions) = try Evaluator.evaluate(model, data: evalData, classes: classes,
                                                          bootstrap: RNG(seed: c.seed, stream: PercentileBootstrap.stream),
                                                          communicator: communicator)
            metrics = m
            if root {
                try artifacts.writeEvaluation(m, predictions: predictions,
                                              validation: ValidationRecord.tested(records: log.records, config: c, testedBest: testedBest))
            }
        }
        if root { try artifacts.writeReport(config: c, records: log.records, metrics: metrics) }
        // No rank leaves before rank 0 has written everything (a launcher may stop the rest).
        communicator.barrier()
        return RunResult(runDir: runDir, records: log.records, metrics: metrics, interrupted: false, stopped: nil)
    }
}
