import Foundation

extension ClassificationMetrics {
    /// The headline numbers as `(name, value)` in the paper's order.
    public var headline: [(String, Double?)] {
        var rows: [(String, Double?)] = [("accuracy", accuracy), ("macro recall", macroRecall), ("macro precision", macroPrecision),
                                         ("macro F1", macroF1), ("weighted F1", weightedF1), ("Cohen's kappa", kappa),
                                         ("macro AUC (one-vs-rest)", macroAUC)]
        if let p = positiveClass {
            rows += [("\(p) precision", positivePrecision), ("\(p) recall", positiveRecall), ("\(p) F1", positiveF1),
                     ("\(p) AUC", positiveAUC)]
        }
        return rows
    }

    static func format(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }

    /// The headline metrics in `headline`'s order, for the intervals column.
    static let headlineMetrics: [Metric] = [.accuracy, .macroRecall, .macroPrecision, .macroF1, .weightedF1, .kappa, .macroAUC,
                                            .positivePrecision, .positiveRecall, .positiveF1, .positiveAUC]

    /// A Markdown report: headline metrics (with their confidence intervals when made),
    /// per-class table, confusion matrix.
    public var markdown: String {
        var s: String
        if let intervals {
            s = String(format: "| metric | value | %g %% CI |\n|---|---|---|\n", intervals.level * 100)
            for ((k, v), metric) in zip(headline, Self.headlineMetrics) {
                let ci = intervals[metric].map { "[\(Self.format($0.lowerBound)), \(Self.format($0.upperBound))]" } ?? ""
                s += "| \(k) | \(Self.format(v)) | \(ci) |\n"
            }
            s += "\nIntervals: \(intervals.method), \(intervals.resamples) resamples of the \(count) samples.\n"
        } else {
            s = "| metric | value |\n|---|---|\n"
            for (k, v) in headline { s += "| \(k) | \(Self.format(v)) |\n" }
        }
        s += "\n| class | precision | recall | F1 | support |\n|---|---|---|---|---|\n"
        for c in classes.indices {
            s += "| \(classes[c]) | \(Self.format(perClassPrecision[c])) | \(Self.format(perClassRecall[c])) | \(Self.format(perClassF1[c])) | \(perClassSupport[c]) |\n"
        }
        s += "\nConfusion matrix (rows: true, columns: predicted)\n\n| | " + classes.joined(separator: " | ") + " |\n|---|"
            + String(repeating: "---|", count: classes.count) + "\n"
        for (c, row) in confusion.enumerated() { s += "| **\(classes[c])** | " + row.map(String.init).joined(separator: " | ") + " |\n" }
        return s
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}
