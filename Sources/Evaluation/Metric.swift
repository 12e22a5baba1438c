import Foundation

/// The one vocabulary of metric names: the keys of `metrics.json` summaries, `log.jsonl`
/// validation records, `best_metric`, table columns, `csit diff` and the run report.
public enum Metric: String, CaseIterable, Codable, Sendable {
    case accuracy
    case macroRecall = "macro_recall"
    case macroPrecision = "macro_precision"
    case macroF1 = "macro_f1"
    case weightedF1 = "weighted_f1"
    case kappa
    case macroAUC = "macro_auc"
    /// Precision of the positive class (binary tasks with a named positive class).
    case positivePrecision = "positive_precision"
    case positiveRecall = "positive_recall"
    case positiveF1 = "positive_f1"
    case positiveAUC = "positive_auc"

    /// The metrics every classification has (the positive-class ones need a positive class).
    public static let general: [Metric] = [.accuracy, .macroRecall, .macroPrecision, .macroF1, .weightedF1, .kappa, .macroAUC]

    /// The short column header the paper's tables use.
    public var tableHeader: String {
        switch self {
        case .accuracy: return "Acc"
        case .macroRecall: return "Macro-R"
        case .macroPrecision: return "Macro-P"
        case .macroF1: return "Macro-F1"
        case .weightedF1: return "Weighted-F1"
        case .kappa: return "κ"
        case .macroAUC: return "Macro-AUC"
        case .positivePrecision: return "Precision"
        case .positiveRecall: return "Recall"
        case .positiveF1: return "F1"
        case .positiveAUC: return "AUC"
        }
    }

    /// The name prose uses (`macro F1`, `accuracy`).
    public var prose: String {
        switch self {
        case .accuracy: return "accuracy"
        case .macroRecall: return "macro recall"
        case .macroPrecision: return "macro precision"
        case .macroF1: return "macro F1"
        case .weightedF1: return "weighted F1"
        case .kappa: return "Cohen's κ"
        case .macroAUC: return "macro AUC"
        case .positivePrecision: return "precision"
        case .positiveRecall: return "recall"
        case .positiveF1: return "F1"
        case .positiveAUC: return "AUC"
        }
    }

    /// This metric's value in `m`, nil where it is undefined (no positive class, one class).
    public func value(in m: ClassificationMetrics) -> Double? {
        switch self {
        case .accuracy: return m.accuracy
        case .macroRecall: return m.macroRecall
        case .macroPrecision: return m.macroPrecision
        case .macroF1: return m.macroF1
        case .weightedF1: return m.weightedF1
        case .kappa: return m.kappa
        case .macroAUC: return m.macroAUC
        case .positivePrecision: return m.positivePrecision
        case .positiveRecall: return m.positiveRecall
        case .positiveF1: return m.positiveF1
        case .positiveAUC: return m.positiveAUC
        }
    }
}

extension ClassificationMetrics {
    /// Every defined metric keyed by its name, for logs, best-checkpoint selection and tables.
    public var summaryValues: [String: Double] {
        var v: [String: Double] = [:]
        for metric in Metric.allCases { if let x = metric.value(in: self) { v[metric.rawValue] = x } }
        return v
    }
}
