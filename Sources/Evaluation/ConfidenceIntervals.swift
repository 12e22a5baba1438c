import Foundation

/// Confidence intervals of one test set's metrics, as `metrics.json` holds them under
/// `intervals`: `{"method": "percentile bootstrap", "resamples": 1000, "level": 0.95,
/// "accuracy": [lo, hi], "macro_f1": [lo, hi], …}` (snake_case metric names).
public struct ConfidenceIntervals: Equatable, Sendable {
    /// How the intervals were made (`percentile bootstrap`).
    public var method: String
    /// Resamples drawn.
    public var resamples: Int
    /// Coverage (0.95).
    public var level: Double
    /// The interval of each metric it covers.
    public var bounds: [Metric: ClosedRange<Double>]

    public init(method: String, resamples: Int, level: Double, bounds: [Metric: ClosedRange<Double>]) {
        (self.method, self.resamples, self.level, self.bounds) = (method, resamples, level, bounds)
    }

    /// The interval of `metric`, when covered.
    public subscript(_ metric: Metric) -> ClosedRange<Double>? { bounds[metric] }
}

extension ConfidenceIntervals: Codable {
    /// Metric names are keys beside the fixed ones.
    private typealias Key = NamedCodingKey

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        method = try c.decode(String.self, forKey: Key("method"))
        resamples = try c.decode(Int.self, forKey: Key("resamples"))
        level = try c.decode(Double.self, forKey: Key("level"))
        bounds = [:]
        for metric in Metric.allCases {
            guard let pair = try c.decodeIfPresent([Double].self, forKey: Key(metric.rawValue)) else { continue }
            guard pair.count == 2, pair[0] <= pair[1] else {
                throw DecodingError.dataCorruptedError(forKey: Key(metric.rawValue), in: c, debugDescription: "expected [low, high]")
            }
            bounds[metric] = pair[0]...pair[1]
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(method, forKey: Key("method"))
        try c.encode(resamples, forKey: Key("resamples"))
        try c.encode(level, forKey: Key("level"))
        for (metric, r) in bounds { try c.encode([r.lowerBound, r.upperBound], forKey: Key(metric.rawValue)) }
    }
}
