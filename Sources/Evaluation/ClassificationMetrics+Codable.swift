import Foundation

/// `metrics.json`: snake_case keys, the same names as `Metric`, `best_metric`, logs and
/// tables. Files written before (camelCase keys: `macroF1`) are still read.
extension ClassificationMetrics: Codable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case classes, count, accuracy
        case macroRecall = "macro_recall", macroPrecision = "macro_precision", macroF1 = "macro_f1", weightedF1 = "weighted_f1"
        case kappa
        case macroAUC = "macro_auc"
        case perClassPrecision = "per_class_precision", perClassRecall = "per_class_recall", perClassF1 = "per_class_f1"
        case perClassSupport = "per_class_support"
        case confusion
        case positiveClass = "positive_class", positivePrecision = "positive_precision", positiveRecall = "positive_recall"
        case positiveF1 = "positive_f1", positiveAUC = "positive_auc"
        case intervals

        /// The key files written before the snake_case names used (`macroF1`).
        var legacyName: String {
            let parts = stringValue.split(separator: "_")
            let camel = parts.enumerated().map { $0.offset == 0 ? String($0.element) : $0.element.prefix(1).uppercased() + $0.element.dropFirst() }
                .joined()
            return camel.replacingOccurrences(of: "Auc", with: "AUC")
        }
    }

    /// A key read under its name or the name an older file used.
    private typealias AnyKey = NamedCodingKey

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        func key(_ k: CodingKeys) -> AnyKey {
            c.contains(AnyKey(k.stringValue)) || !c.contains(AnyKey(k.legacyName)) ? AnyKey(k.stringValue) : AnyKey(k.legacyName)
        }
        func value<T: Decodable>(_ k: CodingKeys) throws -> T { try c.decode(T.self, forKey: key(k)) }
        func optional<T: Decodable>(_ k: CodingKeys) throws -> T? { try c.decodeIfPresent(T.self, forKey: key(k)) }
        classes = try value(.classes)
        count = try value(.count)
        accuracy = try value(.accuracy)
        macroRecall = try value(.macroRecall)
        macroPrecision = try value(.macroPrecision)
        macroF1 = try value(.macroF1)
        weightedF1 = try value(.weightedF1)
        kappa = try value(.kappa)
        macroAUC = try optional(.macroAUC)
        perClassPrecision = try value(.perClassPrecision)
        perClassRecall = try value(.perClassRecall)
        perClassF1 = try value(.perClassF1)
        perClassSupport = try value(.perClassSupport)
        confusion = try value(.confusion)
        positiveClass = try optional(.positiveClass)
        positivePrecision = try optional(.positivePrecision)
        positiveRecall = try optional(.positiveRecall)
        positiveF1 = try optional(.positiveF1)
        positiveAUC = try optional(.positiveAUC)
        // Files written before intervals existed have none.
        intervals = try optional(.intervals)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(classes, forKey: .classes)
        try c.encode(count, forKey: .count)
        try c.encode(accuracy, forKey: .accuracy)
        try c.encode(macroRecall, forKey: .macroRecall)
        try c.encode(macroPrecision, forKey: .macroPrecision)
        try c.encode(macroF1, forKey: .macroF1)
        try c.encode(weightedF1, forKey: .weightedF1)
        try c.encode(kappa, forKey: .kappa)
        try c.encodeIfPresent(macroAUC, forKey: .macroAUC)
        try c.encode(perClassPrecision, forKey: .perClassPrecision)
        try c.encode(perClassRecall, forKey: .perClassRecall)
        try c.encode(perClassF1, forKey: .perClassF1)
        try c.encode(perClassSupport, forKey: .perClassSupport)
        try c.encode(confusion, forKey: .confusion)
        try c.encodeIfPresent(positiveClass, forKey: .positiveClass)
        try c.encodeIfPresent(positivePrecision, forKey: .positivePrecision)
        try c.encodeIfPresent(positiveRecall, forKey: .positiveRecall)
        try c.encodeIfPresent(positiveF1, forKey: .positiveF1)
        try c.encodeIfPresent(positiveAUC, forKey: .positiveAUC)
        try c.encodeIfPresent(intervals, forKey: .intervals)
    }
}
