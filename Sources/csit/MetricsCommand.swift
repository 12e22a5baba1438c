import ArgumentParser
import Evaluation
import Foundation
import TensorKit

/// `csit metrics`: every table metric from a predictions CSV.
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Compute accuracy, macro/weighted scores, κ, AUC, per-class scores and the confusion matrix from a predictions CSV.",
        discussion: "Example:\n  csit predict --checkpoint runs/nct-ft --data CRC-VAL-HE-7K --output preds.csv\n  csit metrics preds.csv --json")

    @Argument(help: "CSV with a label (or label_name) column and prob_* columns.")
    var predictions: String

    @Option(help: "Positive class (name or index) for binary precision/recall/F1/AUC (default: class 1 of two).")
    var positiveClass: String?

    @Flag(help: "Print JSON instead of Markdown.")
    var json = false

    @Option(help: "Resamples of the percentile bootstrap for 95 % confidence intervals (0: no intervals).")
    var bootstrap = 1000

    @Option(help: "Seed of the bootstrap's resampling (the same seed gives the same intervals).")
    var seed: UInt64 = 0

    func validate() throws {
        // Two resamples gave an "interval" that excluded the point value.
        guard bootstrap == 0 || bootstrap >= 100 else {
            throw ValidationError("--bootstrap must be 0 (no intervals) or at least 100 resamples, not \(bootstrap)")
        }
    }

    func run() throws {
        let file: PredictionsFile
        do { file = try PredictionsFile(contentsOf: URL(fileURLWithPath: predictions)) }
        catch let e as PredictionsError { throw ValidationError(e.description) }
        var positive: Int?
        if let p = positiveClass {
            guard let i = file.classes.firstIndex(of: p) ?? Int(p).flatMap({ $0 < file.classes.count ? $0 : nil }) else {
                throw ValidationError("--positive-class '\(p)' is not one of \(file.classes.joined(separator: ", "))")
            }
            positive = i
        }
        var m = ClassificationMetrics(labels: file.labels, probabilities: file.probabilities, classes: file.classes, positive: positive)
        if bootstrap > 0, !file.labels.isEmpty {
            var rng = RNG(seed: seed, stream: PercentileBootstrap.stream)
            m.intervals = PercentileBootstrap(resamples: bootstrap).intervals(labels: file.labels, probabilities: file.probabilities,
                                                                              classes: file.classes.count, rng: &rng)
        }
        if json { print(String(decoding: try m.json(), as: UTF8.self)) } else { print(m.markdown, terminator: "") }
    }
}
