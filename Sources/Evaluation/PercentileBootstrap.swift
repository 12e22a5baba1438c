import Foundation
import TensorKit

/// Percentile-bootstrap confidence intervals for a single held-out test set: the test
/// images are resampled with replacement `resamples` times, every confusion-matrix metric
/// (accuracy, macro recall/precision/F1, weighted F1, κ) is recomputed on each resample,
/// and the interval is the central `level` share of those values (linear interpolation
/// between order statistics, as NumPy's `percentile`). The AUCs are left out: each needs a
/// sort per resample.
public struct PercentileBootstrap: Sendable {
    /// The name `metrics.json` records under `intervals.method`.
    public static let method = "percentile bootstrap"
    /// The `RNG` stream name its draws come from (under a run's seed in training).
    public static let stream = "bootstrap"
    /// The metrics it covers.
    public static let metrics: [Metric] = [.accuracy, .macroRecall, .macroPrecision, .macroF1, .weightedF1, .kappa]

    public var resamples: Int
    public var level: Double

    /// - Parameters:
    ///   - resamples: at least 1 (1000 by default).
    ///   - level: the coverage, in (0, 1).
    public init(resamples: Int = 1000, level: Double = 0.95) {
        precondition(resamples >= 1 && level > 0 && level < 1, "at least one resample and a level in (0, 1)")
        (self.resamples, self.level) = (resamples, level)
    }

    /// Intervals from true and predicted classes; the draws come from `rng` alone, so one
    /// seed gives one interval.
    public func intervals(labels: [Int], predicted: [Int], classes: Int, rng: inout RNG) -> ConfidenceIntervals {
        precondition(labels.count == predicted.count && !labels.isEmpty, "one prediction per label, at least one")
        let n = labels.count
        // Each image is one cell of the confusion matrix: resampling images resamples cells.
        let cell = zip(labels, predicted).map { $0 * classes + $1 }
        var values = [Metric: [Double]]()
        var counts = [Int](repeating: 0, count: classes * classes)
        for _ in 0..<resamples {
            for i in counts.indices { counts[i] = 0 }
            for _ in 0..<n { counts[cell[rng.int(in: 0..<n)]] += 1 }
            let scores = ConfusionScores((0..<classes).map { t in Array(counts[(t * classes)..<((t + 1) * classes)]) })
            for metric in Self.metrics { if let v = scores.value(metric) { values[metric, default: []].append(v) } }
        }
        let tail = (1 - level) / 2
        let bounds = values.mapValues { v -> ClosedRange<Double> in
            let sorted = v.sorted()
            return Self.quantile(sorted, tail)...Self.quantile(sorted, 1 - tail)
        }
        return ConfidenceIntervals(method: Self.method, resamples: resamples, level: level, bounds: bounds)
    }

    /// Intervals of the predictions `probabilities` make (the arg-max, as `ClassificationMetrics`).
    public func intervals(labels: [Int], probabilities: [[Double]], classes: Int, rng: inout RNG) -> ConfidenceIntervals {
        intervals(labels: labels, predicted: ClassificationMetrics.predictions(probabilities), classes: classes, rng: &rng)
    }

    /// The `q` quantile of sorted values, interpolated linearly between order statistics.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lo = Int(position.rounded(.down)), hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - Double(lo))
    }
}
