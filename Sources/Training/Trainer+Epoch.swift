import CSiTKit
import Collectives
import Foundation
import HistoData
import NeuralKit
import TensorKit

extension Trainer {
    /// How `trainEpoch` ended.
    enum EpochOutcome {
        case finished(EpochRecord)
        /// The policy said stop: a checkpoint of this progress was written.
        case stopped(EpochProgress)
    }

    /// One epoch of training from `progress.step` on (0: a fresh epoch). After every step's
    /// update, `policy.decide` (agreed by every rank) says whether to checkpoint (`save`) and
    /// whether to stop.
    func trainEpoch(_ epoch: Int, from progress: EpochProgress, task: TrainingTask, model: CSiTModel, optimizer: AdamW, data: TrainingData,
                    schedule: CosineSchedule, policy: StepCheckpointPolicy, save: (EpochProgress) throws -> Void,
                    parallel: DataParallel, averager: GradientAverager, scalars: RunScalars, progressFile: RunProgressWriter) throws -> EpochOutcome {
        let c = config
        let steps = data.stepsPerEpoch
        let order = data.order(epoch: epoch)
        task.setMode(model)
        let seed = c.seed
        let first = progress.step
        // Item i is step first + i: every batch is a pure function of (epoch, step), so a
        // resumed epoch starts its loaders at the step after the checkpoint.
        let producer = Prefetcher<StepBatch>(count: steps - first, workers: execution.workers, depth: 2) { i in
            try task.batch(data, epoch: epoch, step: first + i, order: order, parallel: parallel)
        }
        var p = progress
        let start = Date()
        for step in first..<steps {
            guard let batch = try producer.next() else { break }
            let globalStep = epoch * steps + step
            let lr = schedule.lr(at: globalStep)
            model.reseedStochasticLayers(RNG(seed: seed, stream: "stochastic").derived("e\(epoch)", step), rows: task.inputRows(parallel))
            model.zeroGrad()
            var rng = RNG(seed: seed, stream: "mix").derived("e\(epoch)", step)
            let (loss, localParts) = task.loss(model, batch, rng: &rng, parallel: parallel)
            var local = Double(loss.item)
            if faultInjection?(epoch, step) == true { local = .nan }
            // The global batch's loss and parts: every rank sees the same numbers, so a
            // non-finite loss on any rank stops them all at the same step.
            let keys = localParts.keys.sorted()
            let global = parallel.mean([local] + keys.map { localParts[$0]! })
            let value = global[0]
            let stepParts = Dictionary(uniqueKeysWithValues: zip(keys, global.dropFirst()))
            guard value.isFinite else {
                let saved = FileManager.default.fileExists(atPath: checkpointURL.path)
                throw TrainingError.nonFinite(epoch: epoch, step: step, loss: "\(value)", lastCheckpoint: saved ? checkpointURL.path : nil)
            }
            averager.backward(loss)
            if let maxNorm = c.clipGradNorm { clipGradNorm(model.trainableParameters.map(\.tensor), maxNorm: maxNorm) }
            optimizer.update(lr: Float(lr))
            p.step = step + 1
            p.lossSum += value
            for (k, v) in stepParts { p.parts[k, default: 0] += v }
            scalars.step(globalStep + 1, loss: value, parts: stepParts, lr: lr)
            let elapsed = Date().timeIntervalSince(start)
            let rate = Double((step + 1 - first) * c.batchSize) / Swift.max(elapsed, 1e-9)
            let remaining = Double((steps - step - 1) + (c.epochs - epoch - 1) * steps) * Double(c.batchSize) / rate
            reporter?.step(epoch: epoch, epochs: c.epochs, step: step, steps: steps, loss: p.lossSum / Double(step + 1),
                           parts: p.parts.mapValues { $0 / Double(step + 1) }, imagesPerSecond: rate, remainingSeconds: remaining)
            progressFile.step(epoch: epoch, epochs: c.epochs, step: step, steps: steps, imagesPerSecond: rate, remainingSeconds: remaining)
            let decision = parallel.agree(policy.decide(epoch: epoch, step: step))
            // A time-based checkpoint at the last step is the epoch's own, written next.
            if decision == .checkpointAndStop || (decision == .checkpoint && step + 1 < steps) {
                var saved = p
                saved.seconds += Date().timeIntervalSince(start)
                try save(saved)
                policy.checkpointed()
                if decision == .checkpointAndStop { return .stopped(saved) }
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        return .finished(EpochRecord(epoch: epoch + 1, steps: steps, lr: schedule.lr(at: epoch * steps + steps - 1), loss: p.lossSum / Double(steps),
                                     lossParts: p.parts.mapValues { $0 / Double(steps) },
                                     imagesPerSecond: Double(steps * c.batchSize) / Swift.max(p.seconds + elapsed, 1e-9),
                                     seconds: p.seconds + elapsed, validation: nil))
    }
}
