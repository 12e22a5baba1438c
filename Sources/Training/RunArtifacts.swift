import CSiTKit
import Evaluation
import Foundation
import HistoData
import TensorKit

/// Every file a run writes into its folder, each written atomically: `config.json`,
/// `manifest.csv`, `best.safetensors`, `model.safetensors`, `predictions.csv`,
/// `metrics.json`, SSL reconstructions and the report.
struct RunArtifacts {
    let runDir: URL

    func url(_ name: String) -> URL { runDir.appendingPathComponent(name) }

    /// Creates the folder and writes the configuration and the split.
    func begin(config: RunConfig, manifest: Manifest?) throws {
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.userInfo[RunConfig.configFileKey] = true
        try AtomicFile.write(try enc.encode(config), to: url("config.json"))
        try manifest?.write(to: url("manifest.csv"))
    }

    /// The model card of a run's checkpoints: what `csit predict` needs to use them alone.
    static func card(_ model: CSiTModel, config c: RunConfig, classes: [String], runID: String) -> ModelCard {
        ModelCard(config: model.config, mode: model.mode, classes: model.mode == .ssl ? [] : classes,
                  mean: ImageTransforms.mean, std: ImageTransforms.std, trainingMode: c.mode.rawValue, runID: runID,
                  producer: "csit (\(ComputeVersion.string))")
    }

    /// The checkpoint that scored best so far on `metric` (epochs numbered from 1).
    func writeBest(_ model: CSiTModel, card: ModelCard, epoch: Int, metric: Metric, score: Double) throws {
        let meta = card.metadata.merging(["epoch": String(epoch + 1), "best_metric": metric.rawValue, metric.rawValue: String(score)]) { a, _ in a }
        try SafeTensors.write(model.stateDict(), metadata: meta, to: url("best.safetensors"))
    }

    /// The latest reconstruction picture, and one per epoch.
    func writeReconstruction(_ grid: Canvas, epoch: Int) throws {
        try grid.writePNG(to: url("reconstruction.png"))
        try grid.writePNG(to: url(String(format: "reconstruction_epoch%03d.png", epoch + 1)))
    }

    /// The final model (PyTorch key names; its card in the metadata).
    func writeModel(_ model: CSiTModel, card: ModelCard) throws {
        try SafeTensors.write(model.stateDict(), metadata: card.metadata, to: url("model.safetensors"))
    }

    /// Test predictions and metrics, with the validation record of the model tested.
    func writeEvaluation(_ metrics: ClassificationMetrics, predictions: String, validation: ValidationRecord?) throws {
        try AtomicFile.write(Data(predictions.utf8), to: url("predictions.csv"))
        try AtomicFile.write(try RunMetricsFile(metrics: metrics, validation: validation).json(), to: url("metrics.json"))
    }

    /// The report and its pictures.
    func writeReport(config: RunConfig, records: [EpochRecord], metrics: ClassificationMetrics?) throws {
        let predictions = try? PredictionsFile(contentsOf: url("predictions.csv"))
        try RunReport.write(config: config, records: records, metrics: metrics, predictions: predictions, runDir: runDir)
    }
}
