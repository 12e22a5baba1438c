import Foundation

/// The scores a confusion matrix alone determines, computed as scikit-learn does: averages
/// over the labels present in the truth or the predictions, 0 for 0/0. One place for the
/// formulas that `ClassificationMetrics` reports and `PercentileBootstrap` resamples.
struct ConfusionScores {
    var support: [Int]
    var precision: [Double]
    var recall: [Double]
    var f1: [Double]
    var accuracy: Double
    var macroPrecision: Double
    var macroRecall: Double
    var macroF1: Double
    var weightedF1: Double
    /// Cohen's κ over the same labels: (p_o − p_e) / (1 − p_e).
    var kappa: Double

    /// - Parameter cm: `cm[true][predicted]`, square.
    init(_ cm: [[Int]]) {
        let C = cm.count
        support = (0..<C).map { c in cm[c].reduce(0, +) }
        let predictedCount = (0..<C).map { c in (0..<C).reduce(0) { $0 + cm[$1][c] } }
        func safe(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
        let s = support
        precision = (0..<C).map { safe(Double(cm[$0][$0]), Double(predictedCount[$0])) }
        recall = (0..<C).map { safe(Double(cm[$0][$0]), Double(s[$0])) }
        let (p, r) = (precision, recall)
        f1 = (0..<C).map { c in p[c] + r[c] == 0 ? 0 : 2 * p[c] * r[c] / (p[c] + r[c]) }
        let present = (0..<C).filter { s[$0] > 0 || predictedCount[$0] > 0 }
        func mean(_ v: [Double]) -> Double { present.isEmpty ? 0 : present.map { v[$0] }.reduce(0, +) / Double(present.count) }
        let n = Double(s.reduce(0, +))
        let correct = Double((0..<C).reduce(0) { $0 + cm[$1][$1] })
        accuracy = safe(correct, n)
        macroPrecision = mean(precision)
        macroRecall = mean(recall)
        macroF1 = mean(f1)
        let f = f1
        weightedF1 = safe(present.map { f[$0] * Double(s[$0]) }.reduce(0, +), Double(present.map { s[$0] }.reduce(0, +)))
        let po = safe(correct, n)
        let pe = present.map { Double(s[$0]) * Double(predictedCount[$0]) }.reduce(0, +) / Swift.max(n * n, 1)
        kappa = pe == 1 ? 0 : (po - pe) / (1 - pe)
    }

    /// The value of a metric this matrix determines (nil for the AUCs and positive-class scores).
    func value(_ metric: Metric) -> Double? {
        switch metric {
        case .accuracy: return accuracy
        case .macroRecall: return macroRecall
        case .macroPrecision: return macroPrecision
        case .macroF1: return macroF1
        case .weightedF1: return weightedF1
        case .kappa: return kappa
        case .macroAUC, .positivePrecision, .positiveRecall, .positiveF1, .positiveAUC: return nil
        }
    }
}
