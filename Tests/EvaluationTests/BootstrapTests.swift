import XCTest
import Evaluation
import TensorKit

/// The percentile bootstrap of a single test set: reproducible from its seed, containing
/// the point value, as wide as the normal approximation says, narrowing as 1/√n.
final class BootstrapTests: XCTestCase {
    /// `n` samples of `classes` classes, the first `correct` share predicted right and the
    /// rest predicted as the next class; the order is shuffled by `seed`.
    func sample(n: Int, classes: Int, correct: Double, seed: UInt64 = 7) -> (labels: [Int], predicted: [Int]) {
        var rng = RNG(seed: seed, stream: "fixture")
        let order = rng.permutation(n)
        let labels = (0..<n).map { $0 % classes }
        let right = Int((correct * Double(n)).rounded())
        let predicted = (0..<n).map { i in order[i] < right ? labels[i] : (labels[i] + 1) % classes }
        return (labels, predicted)
    }

    func intervals(_ s: (labels: [Int], predicted: [Int]), classes: Int, seed: UInt64) -> ConfidenceIntervals {
        var rng = RNG(seed: seed, stream: PercentileBootstrap.stream)
        return PercentileBootstrap().intervals(labels: s.labels, predicted: s.predicted, classes: classes, rng: &rng)
    }

    func width(_ r: ClosedRange<Double>?) -> Double { r.map { $0.upperBound - $0.lowerBound } ?? .nan }

    func testSameSeedSameIntervalDifferentSeedDifferent() {
        let s = sample(n: 500, classes: 4, correct: 0.8)
        let a = intervals(s, classes: 4, seed: 1), b = intervals(s, classes: 4, seed: 1), c = intervals(s, classes: 4, seed: 2)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a[.accuracy], c[.accuracy])
        XCTAssertNotEqual(a[.macroF1], c[.macroF1])
        XCTAssertEqual(a.resamples, 1000)
        XCTAssertEqual(a.level, 0.95)
        XCTAssertEqual(Set(a.bounds.keys), Set(PercentileBootstrap.metrics))
    }

    func testIntervalsContainThePointValues() {
        let s = sample(n: 300, classes: 3, correct: 0.7, seed: 3)
        let probabilities = s.predicted.map { p in (0..<3).map { $0 == p ? 0.8 : 0.1 } }
        let m = ClassificationMetrics(labels: s.labels, probabilities: probabilities, classes: ["a", "b", "c"])
        let ci = intervals(s, classes: 3, seed: 0)
        for metric in PercentileBootstrap.metrics {
            let value = metric.value(in: m)!
            XCTAssertTrue(ci[metric]!.contains(value), "\(metric): \(value) outside \(ci[metric]!)")
            XCTAssertGreaterThan(width(ci[metric]), 0, "\(metric)")
        }
    }

    /// For accuracy p on n images the percentile interval is close to p ± 1.96·√(p(1−p)/n).
    func testAccuracyWidthAgreesWithTheNormalApproximation() {
        for (p, seed) in [(0.9, UInt64(0)), (0.75, 1), (0.6, 2)] {
            let n = 2000
            let ci = intervals(sample(n: n, classes: 9, correct: p), classes: 9, seed: seed)
            let normal = 2 * 1.96 * (p * (1 - p) / Double(n)).squareRoot()
            XCTAssertEqual(width(ci[.accuracy]) / normal, 1, accuracy: 0.15, "p = \(p): \(width(ci[.accuracy])) vs \(normal)")
        }
    }

    func testFourTimesTheDataHalvesTheWidth() {
        let s = sample(n: 500, classes: 5, correct: 0.85)
        let four = (labels: Array([[Int]](repeating: s.labels, count: 4).joined()),
                    predicted: Array([[Int]](repeating: s.predicted, count: 4).joined()))
        let a = intervals(s, classes: 5, seed: 11), b = intervals(four, classes: 5, seed: 11)
        for metric in [Metric.accuracy, .macroF1] {
            XCTAssertEqual(width(b[metric]) / width(a[metric]), 0.5, accuracy: 0.1, "\(metric)")
        }
    }

    func testMetricsJSONCarriesIntervalsAndOldFilesStillRead() throws {
        let s = sample(n: 100, classes: 2, correct: 0.9)
        var m = ClassificationMetrics(labels: s.labels, probabilities: s.predicted.map { $0 == 0 ? [0.7, 0.3] : [0.2, 0.8] }, classes: ["x", "y"])
        let old = try m.json()
        XCTAssertFalse(String(decoding: old, as: UTF8.self).contains("intervals"))
        XCTAssertNil(try JSONDecoder().decode(ClassificationMetrics.self, from: old).intervals)
        m.intervals = intervals(s, classes: 2, seed: 5)
        let data = try m.json()
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let written = object["intervals"] as! [String: Any]
        XCTAssertEqual(written["method"] as? String, "percentile bootstrap")
        XCTAssertEqual(written["resamples"] as? Int, 1000)
        XCTAssertEqual((written["macro_f1"] as? [Double])?.count, 2)
        XCTAssertEqual(try JSONDecoder().decode(ClassificationMetrics.self, from: data), m)
    }
}
