import CSiTKit
import Evaluation
import Foundation
import HistoData
import TensorKit

/// Test-set evaluation: eval transform, eval mode, softmax of the averaged logits.
public enum Evaluator {
    /// Metrics and the predictions CSV (`path,label,label_name,pred,pred_name,prob_<class>,…`)
    /// of `model` on `data`.
    ///
    /// - Parameter bootstrap: with a generator, the metrics carry percentile-bootstrap 95 %
    ///   intervals (1000 resamples) drawn from it.
    public static func evaluate(_ model: CSiTModel, data: TrainingData, classes: [String],
                                batchSize: Int = 64, bootstrap: RNG? = nil) throws -> (ClassificationMetrics, String) {
        let wasTraining = model.training
        model.eval()
        defer { model.train(wasTraining) }
        var labels: [Int] = [], probs: [[Double]] = []
        var csv = (["path", "label", "label_name", "pred", "pred_name"] + classes.map { "prob_\($0)" }).map(CSVField.escape)
            .joined(separator: ",") + "\n"
        let batches = (data.indices.count + batchSize - 1) / batchSize
        for k in 0..<batches {
            let (images, ys, ids) = try data.evaluationBatch(k, batchSize: batchSize)
            let p = withoutGrad { model.classify(images).logits.softmax() }
            for (j, y) in ys.enumerated() {
                let row = (0..<classes.count).map { Double(p[j, $0]) }
                labels.append(y)
                probs.append(row)
                let pred = row.indices.max { row[$0] < row[$1] }!
                csv += ([CSVField.escape(data.dataset.samples[ids[j]].path), String(y), CSVField.escape(classes[y]), String(pred),
                         CSVField.escape(classes[pred])] + row.map { String(format: "%.6f", $0) }).joined(separator: ",") + "\n"
            }
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
