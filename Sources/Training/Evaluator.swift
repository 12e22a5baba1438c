import CSiTKit
import Evaluation
import Foundation
import HistoData
import TensorKit

/// Test-set evaluation: eval transform, eval mode, softmax of the averaged logits.
public enum Evaluator {
    /// Metrics and the predictions CSV (`path,label,pred,prob_0,…`) of `model` on `data`.
    public static func evaluate(_ model: CSiTModel, data: TrainingData, classes: [String],
                                batchSize: Int = 64) throws -> (ClassificationMetrics, String) {
        let wasTraining = model.training
        model.eval()
        defer { model.train(wasTraining) }
        var labels: [Int] = [], probs: [[Double]] = []
        var csv = "path,label,pred," + classes.indices.map { "prob_\($0)" }.joined(separator: ",") + "\n"
        let batches = (data.indices.count + batchSize - 1) / batchSize
        for k in 0..<batches {
            let (images, ys, ids) = try data.evaluationBatch(k, batchSize: batchSize)
            let p = withoutGrad { model.classify(images).logits.softmax() }
            for (j, y) in ys.enumerated() {
                let row = (0..<classes.count).map { Double(p[j, $0]) }
                labels.append(y)
                probs.append(row)
                let pred = row.indices.max { row[$0] < row[$1] }!
                csv += "\(CSVField.escape(data.dataset.samples[ids[j]].path)),\(y),\(pred),"
                    + row.map { String(format: "%.6f", $0) }.joined(separator: ",") + "\n"
            }
        }
        return (ClassificationMetrics(labels: labels, probabilities: probs, classes: classes), csv)
    }
}
