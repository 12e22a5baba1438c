import CSiTKit
import Collectives
import Evaluation
import Foundation
import HistoData
import TensorKit

/// Test-set evaluation: eval transform, eval mode, softmax of the averaged logits.
public enum Evaluator {
    /// Metrics and the predictions CSV (`path,label,label_name,pred,pred_name,prob_<class>,…`)
    /// of `model` on `data`.
    ///
    /// - Parameters:
    ///   - bootstrap: with a generator, the metrics carry percentile-bootstrap 95 %
    ///     intervals (1000 resamples) drawn from it.
    ///   - communicator: the ranks of a data-parallel run: each evaluates a contiguous
    ///     share of the images and every rank gets all probabilities, in image order, so
    ///     every rank computes the same metrics (best-model choice and early stopping agree).
    public static func evaluate(_ model: CSiTModel, data: TrainingData, classes: [String], batchSize: Int = 64,
                                bootstrap: RNG? = nil, communicator: Communicator = SingleProcess()) throws -> (ClassificationMetrics, String) {
        let wasTraining = model.training
        model.eval()
        defer { model.train(wasTraining) }
        let n = data.indices.count, P = communicator.size, r = communicator.rank
        var share = data
        share.indices = Array(data.indices[(r * n / P)..<((r + 1) * n / P)])
        var mine: [Float] = []
        mine.reserveCapacity(share.indices.count * classes.count)
        let batches = (share.indices.count + batchSize - 1) / batchSize
        for k in 0..<batches {
            let (images, _, _) = try share.evaluationBatch(k, batchSize: batchSize)
            mine += withoutGrad { model.classify(images).logits.softmax() }.scalars
        }
        let all = P > 1 ? communicator.allgather(mine).flatMap { $0 } : mine
        precondition(all.count == n * classes.count, "gathered \(all.count) probabilities for \(n) images")
        var labels: [Int] = [], probs: [[Double]] = []
        var csv = (["path", "label", "label_name", "pred", "pred_name"] + classes.map { "prob_\($0)" }).map(CSVField.escape)
            .joined(separator: ",") + "\n"
        for (j, i) in data.indices.enumerated() {
            let y = data.dataset.samples[i].label ?? 0
            let row = (0..<classes.count).map { Double(all[j * classes.count + $0]) }
            labels.append(y)
            probs.append(row)
            let pred = row.indices.max { row[$0] < row[$1] }!
            csv += ([CSVField.escape(data.dataset.samples[i].path), String(y), CSVField.escape(classes[y]), String(pred),
                     CSVField.escape(classes[pred])] + row.map { String(format: "%.6f", $0) }).joined(separator: ",") + "\n"
        }
        var metrics = ClassificationMetrics(labels: labels, probabilities: probs, classes: classes)
        if var rng = bootstrap, !labels.isEmpty {
            metrics.intervals = PercentileBootstrap().intervals(labels: labels, probabilities: probs, classes: classes.count, rng: &rng)
        }
        return (metrics, csv)
    }
}

extension Evaluator {
    /// The final-normed classification tokens (rotation and contrastive, method.md §1.1)
    /// per image as CSV: `path,label,rot_0…rot_{d−1},con_0…con_{d−1}`, for t-SNE/UMAP elsewhere.
    public static func features(_ model: CSiTModel, data: TrainingData, batchSize: Int = 64) throws -> String {
        model.eval()
        let d = model.config.dim
        var csv = "path,label," + (0..<d).map { "rot_\($0)" }.joined(separator: ",") + ","
            + (0..<d).map { "con_\($0)" }.joined(separator: ",") + "\n"
        let batches = (data.indices.count + batchSize - 1) / batchSize
        for k in 0..<batches {
            let (images, ys, ids) = try data.evaluationBatch(k, batchSize: batchSize)
            let f = withoutGrad { model.features(images) }
            for j in ids.indices {
                let tokens = (0..<(2 * d)).map { f[j, $0 / d, $0 % d] }
                csv += "\(CSVField.escape(data.dataset.samples[ids[j]].path)),\(ys[j]),"
                    + tokens.map { String(format: "%.6g", $0) }.joined(separator: ",") + "\n"
            }
        }
        return csv
    }
}
