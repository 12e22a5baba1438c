import CSiTKit
import Evaluation
import Foundation
import NeuralKit
import HistoData
import TensorKit

/// The per-run report: `report.md` with the metrics and the pictures a person looks at
/// (`confusion.png`, `roc.png`, `curves_loss.png`, `curves_lr.png`, `curves_validation.png`).
public enum RunReport {
    public static func write(config c: RunConfig, records: [EpochRecord], metrics: ClassificationMetrics?,
                             predictions: PredictionsFile?, runDir: URL) throws {
        var md = "# \(runDir.lastPathComponent)\n\n"
        md += "Mode **\(c.mode.rawValue)**, \(c.preset) at \(c.imageSize) px (token stride \(c.tokenStride)), "
            + "\(c.epochs) epochs, batch \(c.batchSize), lr \(c.lr) (scaled ×\(Double(c.batchSize) / 512)), seed \(c.seed).\n"
        md += "Data: \(c.dataset.rawValue) at `\(c.root)`"
        if let k = c.folds { md += ", \(k)-fold CV (\(c.groupByPatient ? "patient-grouped" : "image-level")), test fold \(c.fold.map { String($0) } ?? "-")" }
        if let z = c.zoom { md += ", magnification \(z)" }
        if c.labelFraction < 1 { md += ", \(Int(c.labelFraction * 100)) % of the training labels" }
        md += ".\n\n"
        if let metrics {
            md += "## Test metrics\n\n" + metrics.markdown + "\n![confusion matrix](confusion.png)\n\n![ROC curves](roc.png)\n\n"
            try Plots.confusionMatrix(metrics, title: "Confusion matrix (\(c.mode.rawValue))")
                .writePNG(to: runDir.appendingPathComponent("confusion.png"))
            if let p = predictions {
                try Plots.rocCurves(labels: p.labels, probabilities: p.probabilities, classes: metrics.classes,
                                    title: "ROC curves, one class vs rest").writePNG(to: runDir.appendingPathComponent("roc.png"))
            }
        }
        if !records.isEmpty {
            var loss = [("loss", records.map(\.loss))]
            for k in (records.first?.lossParts.keys.sorted() ?? []) { loss.append((k, records.map { $0.lossParts[k] ?? .nan })) }
            try Plots.lineChart(loss, title: "Training loss", yLabel: "loss").writePNG(to: runDir.appendingPathComponent("curves_loss.png"))
            try Plots.lineChart([("lr", learningRatePerStep(c, records: records))], title: "Learning rate per step", xLabel: "epoch",
                                yLabel: "lr", markers: false).writePNG(to: runDir.appendingPathComponent("curves_lr.png"))
            md += "## Training\n\n![loss](curves_loss.png)\n\n![learning rate](curves_lr.png)\n\n"
            let validated = records.filter { $0.validation != nil }
            if !validated.isEmpty {
                let keys = [Metric.accuracy, .macroF1, .kappa].map(\.rawValue)
                try Plots.lineChart(keys.map { k in (k, records.map { $0.validation?[k] ?? .nan }) },
                                    title: "Validation", yLabel: "metric").writePNG(to: runDir.appendingPathComponent("curves_validation.png"))
                md += "![validation](curves_validation.png)\n\n"
            }
            md += "| epoch | loss | lr | img/s | accuracy |\n|---|---|---|---|---|\n"
            for r in records {
                md += String(format: "| %d | %.4f | %.2e | %.1f | %@ |\n", r.epoch, r.loss, r.lr, r.imagesPerSecond,
                             r.validation?[Metric.accuracy.rawValue].map { String(format: "%.4f", $0) } ?? "")
            }
        }
        if c.mode == .ssl {
            md += "\n![reconstructions](reconstruction.png)\n"
            if let note = rotationNote(records) { md += "\n" + note + "\n" }
        }
        try AtomicFile.write(Data(md.utf8), to: runDir.appendingPathComponent("report.md"))
    }

    /// A note when the rotation loss ended at chance: it reads like a bug, and is not one.
    static func rotationNote(_ records: [EpochRecord]) -> String? {
        guard let last = records.last?.lossParts["rot"], abs(last - log(4)) < 0.02 else { return nil }
        return String(format: "The rotation loss ended at %.3f, chance for four rotations (ln 4 = %.3f). Tissue has no "
                      + "canonical orientation, so which way a patch was turned often cannot be told; on oriented images "
                      + "the same loss falls fast. The other two tasks carry the learning here (see the loss curves).", last, log(4.0))
    }

    /// The learning rate of every optimizer step of the logged epochs, at x = its epoch
    /// fraction (the last step of epoch e at e): the warm-up shows, which one value per
    /// epoch hid. Recomputed from the run's schedule, exactly as the trainer evaluates it.
    public static func learningRatePerStep(_ c: RunConfig, records: [EpochRecord]) -> [(x: Double, y: Double)] {
        guard let steps = records.first?.steps, steps > 0 else { return records.map { (Double($0.epoch), $0.lr) } }
        let schedule = CosineSchedule(baseLR: CosineSchedule.scaledLR(c.lr, batchSize: c.batchSize), minLR: c.minLR,
                                      warmupLR: c.warmupLR, warmupSteps: c.warmupEpochs * steps, totalSteps: c.epochs * steps)
        let last = records.map(\.epoch).max() ?? 0
        return (0..<(last * steps)).map { s in (Double(s + 1) / Double(steps), schedule.lr(at: s)) }
    }

    /// Rows clean / corrupted / reconstructed for the first images of a batch.
    public static func reconstructionGrid(model: CSiTModel, batch: SSLBatch, epoch: Int, count: Int = 8) -> Canvas {
        let n = Swift.min(count, batch.corrupted.shape[0])
        let recon = withoutGrad { () -> Tensor in
            let was = model.training
            model.eval()
            defer { model.train(was) }
            return model.ssl(batch.corrupted.slice(rows: 0..<n)).reconstruction
        }
        return Plots.imageGrid([("clean", (0..<n).map { Plots.denormalized(batch.clean, $0) }),
                                ("corrupted", (0..<n).map { Plots.denormalized(batch.corrupted, $0) }),
                                ("reconstructed", (0..<n).map { Plots.denormalized(recon, $0) })],
                               title: "SSL reconstructions after epoch \(epoch + 1)")
    }
}
