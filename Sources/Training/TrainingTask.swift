import CSiTKit
import Foundation
import HistoData
import NeuralKit
import TensorKit

/// What a loader worker hands the training loop.
enum StepBatch {
    case ssl(SSLBatch)
    /// A data-parallel rank's share of the views, `[2b, 3, S, S]`: the corruptions are drawn
    /// on the gathered global batch (they copy pixels across images), with this generator.
    case sslViews(Tensor, corruption: RNG)
    case labeled(Tensor, [Int])
}

/// What one family of modes contributes to a run: the model it builds and which parameters
/// train, what a loader worker makes of a step, and the loss of a batch. The trainer owns
/// everything the families share (data, optimiser, schedule, checkpoints, evaluation).
protocol TrainingTask {
    /// The model's head layout for `classes` classes.
    func modelMode(classes: Int) -> CSiTModel.Mode
    /// Freezes what does not train.
    func prepare(_ model: CSiTModel)
    /// Sets train or eval mode before an epoch.
    func setMode(_ model: CSiTModel)
    /// One step's batch (this rank's share of it), made on a loader thread (a pure
    /// function of epoch and step).
    func batch(_ data: TrainingData, epoch: Int, step: Int, order: [Int], parallel: DataParallel) throws -> StepBatch
    /// The loss of this rank's share of a batch and its named parts (`rng` drives mixing and
    /// erasing); averaged over ranks it is the loss of the global batch.
    func loss(_ model: CSiTModel, _ batch: StepBatch, rng: inout RNG, parallel: DataParallel) -> (total: Tensor, parts: [String: Double])
    /// The rows of the global batch the model's input holds, for drop-path and dropout.
    func inputRows(_ parallel: DataParallel) -> RowSelection?
}

extension TrainingTask {
    func prepare(_ model: CSiTModel) {}
    func setMode(_ model: CSiTModel) { model.train() }

    func batch(_ data: TrainingData, epoch: Int, step: Int, order: [Int], parallel: DataParallel) throws -> StepBatch {
        let (images, labels) = try data.labeledBatch(epoch: epoch, step: step, order: order, rows: parallel.rows)
        return .labeled(images, labels)
    }

    func inputRows(_ parallel: DataParallel) -> RowSelection? { parallel.sampleRows }
}

/// The task of each mode.
enum TaskFamily {
    static func make(_ c: RunConfig) -> TrainingTask {
        switch c.mode {
        case .ssl: return SSLTask(seed: c.seed, tasks: c.sslTasks, weighting: c.lossWeighting)
        case .ft, .sslft: return SupervisedTask(config: c)
        case .le, .mlp, .randomLE, .randomMLP: return FrozenProbeTask(config: c)
        }
    }
}

/// Self-supervised pretraining: two corrupted views per image; the enabled pretext losses
/// (rotation, contrastive, reconstruction) weighted by the model's learned scalars or equally.
struct SSLTask: TrainingTask {
    let seed: UInt64
    var tasks: SSLTaskSet = .all
    var weighting: SSLLossWeighting = .uncertainty

    func modelMode(classes: Int) -> CSiTModel.Mode { .ssl }

    func batch(_ data: TrainingData, epoch: Int, step: Int, order: [Int], parallel: DataParallel) throws -> StepBatch {
        let (views, _) = try data.sslViews(epoch: epoch, step: step, order: order, rows: parallel.rows)
        var rng = RNG(seed: seed, stream: "corrupt").derived("e\(epoch)", step)
        return parallel.isParallel ? .sslViews(views, corruption: rng) : .ssl(SSLBatch.make(views: views, rng: &rng))
    }

    func inputRows(_ parallel: DataParallel) -> RowSelection? { parallel.viewRows }

    func loss(_ model: CSiTModel, _ batch: StepBatch, rng: inout RNG, parallel: DataParallel) -> (total: Tensor, parts: [String: Double]) {
        let b: SSLBatch
        switch batch {
        case .ssl(let whole): b = whole
        case .sslViews(let share, var corruption):
            b = SSLBatch.make(views: parallel.gatherViews(share), rng: &corruption).rows(parallel.viewRows!.indices)
        case .labeled: preconditionFailure("SSLTask gets SSL batches")
        }
        let gather = parallel.isParallel ? { parallel.communicator.allgatherRows($0) } : nil
        let l = model.sslLosses(model.ssl(b.corrupted), rotationLabels: b.rotationLabels, clean: b.clean,
                                tasks: tasks, weighting: weighting, gather: gather)
        // Only the enabled parts: a task turned off has no loss to log.
        return (l.total, l.parts)
    }
}

/// Fine-tuning the whole model (from scratch or an SSL checkpoint): mixup/cutmix with
/// smoothed soft targets, random erasing, smoothed hard labels when nothing is mixed.
struct SupervisedTask: TrainingTask {
    let config: RunConfig

    func modelMode(classes: Int) -> CSiTModel.Mode { .finetune(classes: classes) }

    func loss(_ model: CSiTModel, _ batch: StepBatch, rng: inout RNG, parallel: DataParallel) -> (total: Tensor, parts: [String: Double]) {
        guard case .labeled(let share, let shareLabels) = batch else { preconditionFailure("SupervisedTask gets labeled batches") }
        let c = config
        let mixing = c.mixup > 0 || c.cutmix > 0
        // Mixing pairs image i with image B−1−i and erasing draws image after image: both
        // run on the gathered global batch, then each rank keeps its rows.
        let whole = parallel.isParallel && (mixing || c.randomErasing > 0)
        let images = whole ? parallel.communicator.allgatherRows(values: share) : share
        let labels = whole && mixing ? parallel.gatherLabels(shareLabels) : shareLabels
        let mine = { (t: Tensor) in whole ? t.gatherRows(parallel.sampleRows!.indices) : t }
        if mixing {
            var mix = BatchMixing.MixupConfig()
            (mix.mixupAlpha, mix.cutmixAlpha, mix.probability, mix.labelSmoothing) = (c.mixup, c.cutmix, c.mixupProbability, c.labelSmoothing)
            let targets = BatchMixing.mix(images, labels: labels, classes: model.rotHead.outputs, config: mix, rng: &rng)
            if c.randomErasing > 0 { BatchMixing.randomErase(images, probability: c.randomErasing, rng: &rng) }
            return (SSLObjective.finetuneLoss(model.classify(mine(images)), softTargets: mine(targets)), [:])
        }
        if c.randomErasing > 0 { BatchMixing.randomErase(images, probability: c.randomErasing, rng: &rng) }
        return (SSLObjective.finetuneLoss(model.classify(mine(images)), labels: shareLabels, labelSmoothing: c.labelSmoothing), [:])
    }
}

/// Linear or MLP evaluation: a frozen backbone (in eval mode unless the published
/// train-mode quirk is asked for), trainable heads, smoothed hard labels, no augmentation
/// of the batch.
struct FrozenProbeTask: TrainingTask {
    let config: RunConfig

    func modelMode(classes: Int) -> CSiTModel.Mode { .finetune(classes: classes) }
    func prepare(_ model: CSiTModel) { model.freezeBackbone() }
    func setMode(_ model: CSiTModel) { if config.linearEvalTrainMode { model.train() } else { model.eval() } }

    func loss(_ model: CSiTModel, _ batch: StepBatch, rng: inout RNG, parallel: DataParallel) -> (total: Tensor, parts: [String: Double]) {
        guard case .labeled(let images, let labels) = batch else { preconditionFailure("FrozenProbeTask gets labeled batches") }
        return (SSLObjective.finetuneLoss(model.classify(images), labels: labels, labelSmoothing: config.labelSmoothing), [:])
    }
}
