import Evaluation
import Foundation

/// What a run's validation split said about the model its test split evaluated, written
/// into `metrics.json` under `validation`: tables choose between sweep points on these
/// scores, never on test values. Absent without a validation split (`validation: 0`: the
/// per-epoch scores were then of the test split) and in files written before it existed.
public struct ValidationRecord: Codable, Equatable, Sendable {
    /// The epoch (numbered from 1) whose model the test split evaluated.
    public var epoch: Int
    /// The metric the run selects on (`best_metric`).
    public var metric: Metric
    /// Every validation metric of that model, keyed by metric name.
    public var scores: [String: Double]

    /// The validation score on the metric the run selects on.
    public var score: Double? { scores[metric.rawValue] }

    public init(epoch: Int, metric: Metric, scores: [String: Double]) {
        (self.epoch, self.metric, self.scores) = (epoch, metric, scores)
    }

    /// The record a `metrics.json` holds, nil when it holds none (or cannot be read).
    public static func inMetricsFile(_ data: Data) -> ValidationRecord? {
        struct File: Decodable { var validation: ValidationRecord? }
        return (try? JSONDecoder().decode(File.self, from: data))?.validation
    }

    /// The record of the model a finished run tests, from its epoch records: the first epoch
    /// with the best score when the run tests `best.safetensors` (as the trainer keeps the
    /// first of equal scores), else the last epoch, which is always evaluated.
    ///
    /// - Returns: nil without a validation split or when the tested epoch was not evaluated.
    public static func tested(records: [EpochRecord], config c: RunConfig, testedBest: Bool) -> ValidationRecord? {
        guard c.validation > 0 else { return nil }
        let key = c.bestMetric.rawValue
        let chosen: EpochRecord?
        if testedBest {
            // `max(by:)` keeps the first of equal maxima.
            func score(_ r: EpochRecord) -> Double { r.validation?[key] ?? -.infinity }
            chosen = records.filter { $0.validation?[key] != nil }.max { score($0) < score($1) }
        } else {
            chosen = records.last
        }
        guard let chosen, let scores = chosen.validation else { return nil }
        return ValidationRecord(epoch: chosen.epoch, metric: c.bestMetric, scores: scores)
    }
}

/// `metrics.json` of a run: the test metrics (and their intervals), with the validation
/// record of the model tested beside them under `validation`. `ClassificationMetrics`
/// reads such a file and ignores the record.
struct RunMetricsFile: Encodable {
    var metrics: ClassificationMetrics
    var validation: ValidationRecord?

    private enum Key: String, CodingKey { case validation }

    func encode(to encoder: Encoder) throws {
        try metrics.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encodeIfPresent(validation, forKey: .validation)
    }

    /// Pretty-printed JSON with sorted keys, as `ClassificationMetrics.json()`.
    func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
