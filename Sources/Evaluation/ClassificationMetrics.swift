import Foundation

/// Every metric of the paper's tables (method.md §5), computed exactly as scikit-learn
/// does: averages over the labels present in the truth or the predictions (scikit-learn's
/// default `labels`), 0 for 0/0 (`zero_division=0`), ties in ROC AUC counted half.
public struct ClassificationMetrics: Equatable, Sendable {
    public var classes: [String]
    public var count: Int
    public var accuracy: Double
    public var macroRecall: Double
    public var macroPrecision: Double
    public var macroF1: Double
    public var weightedF1: Double
    public var kappa: Double
    /// Mean over the classes present in the truth of the one-vs-rest ROC AUC of P(class).
    public var macroAUC: Double?
    public var perClassPrecision: [Double]
    public var perClassRecall: [Double]
    public var perClassF1: [Double]
    public var perClassSupport: [Int]
    /// `confusion[true][predicted]`.
    public var confusion: [[Int]]
    /// Binary tasks: the positive class and its precision, recall, F1 and AUC of P(positive).
    public var positiveClass: String?
    public var positivePrecision: Double?
    public var positiveRecall: Double?
    public var positiveF1: Double?
    public var positiveAUC: Double?
    /// Confidence intervals of the scores (a percentile bootstrap over the samples), when made:
    /// the initialiser leaves them out.
    public var intervals: ConfidenceIntervals?

    /// - Parameters:
    ///   - labels: true class per sample.
    ///   - probabilities: `[sample][class]` scores (softmax probabilities); the prediction is the arg-max.
    ///   - classes: class names (their count fixes the number of columns).
    ///   - positive: index of the positive class for binary reports (default: 1 when there are two classes).
    public init(labels: [Int], probabilities: [[Double]], classes: [String], positive: Int? = nil) {
        let C = classes.count
        precondition(labels.count == probabilities.count && probabilities.allSatisfy { $0.count == C },
                     "one probability row of \(C) per label")
        self.classes = classes
        count = labels.count
        let predicted = Self.predictions(probabilities)
        let cm = Self.confusion(labels: labels, predicted: predicted, classes: C)
        confusion = cm
        let scores = ConfusionScores(cm)
        let support = scores.support
        (perClassPrecision, perClassRecall, perClassF1) = (scores.precision, scores.recall, scores.f1)
        perClassSupport = support
        (accuracy, macroPrecision, macroRecall, macroF1) = (scores.accuracy, scores.macroPrecision, scores.macroRecall, scores.macroF1)
        (weightedF1, kappa) = (scores.weightedF1, scores.kappa)
        let inTruth = (0..<C).filter { support[$0] > 0 && support[$0] < labels.count }
        macroAUC = inTruth.isEmpty ? nil
            : inTruth.map { c in Self.rocAUC(positives: labels.map { $0 == c }, scores: probabilities.map { $0[c] }) }.reduce(0, +) / Double(inTruth.count)
        let pos = positive ?? (C == 2 ? 1 : nil)
        if let pos {
            positiveClass = classes[pos]
            positivePrecision = scores.precision[pos]
            positiveRecall = scores.recall[pos]
            positiveF1 = scores.f1[pos]
            positiveAUC = support[pos] > 0 && support[pos] < labels.count
                ? Self.rocAUC(positives: labels.map { $0 == pos }, scores: probabilities.map { $0[pos] }) : nil
        }
    }

    /// The predicted class per sample: the arg-max of its scores, the lower index on ties.
    public static func predictions(_ probabilities: [[Double]]) -> [Int] {
        probabilities.map { row in row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } ?? 0 }
    }

    /// `confusion[true][predicted]` over `classes` classes.
    static func confusion(labels: [Int], predicted: [Int], classes: Int) -> [[Int]] {
        var cm = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (y, p) in zip(labels, predicted) { cm[y][p] += 1 }
        return cm
    }

    /// Area under the ROC curve: the Mann–Whitney statistic with tied scores counting one half
    /// (the trapezoidal area scikit-learn's `roc_auc_score` computes).
    public static func rocAUC(positives: [Bool], scores: [Double]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1          // ranks are 1-based
            for k in i...j where positives[order[k]] { rankSum += averageRank }
            i = j + 1
        }
        let nPos = Double(positives.filter { $0 }.count), nNeg = Double(positives.count) - nPos
        return (rankSum - nPos * (nPos + 1) / 2) / (nPos * nNeg)
    }

    /// One ROC curve: (false-positive rate, true-positive rate) at every distinct threshold.
    public static func rocCurve(positives: [Bool], scores: [Double]) -> [(fpr: Double, tpr: Double)] {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        let nPos = Double(positives.filter { $0 }.count), nNeg = Double(positives.count) - nPos
        var tp = 0.0, fp = 0.0
        var out: [(Double, Double)] = [(0, 0)]
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            for k in i...j { if positives[order[k]] { tp += 1 } else { fp += 1 } }
            out.append((nNeg > 0 ? fp / nNeg : 0, nPos > 0 ? tp / nPos : 0))
            i = j + 1
        }
        return out
    }
}
