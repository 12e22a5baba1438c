import XCTest
import Evaluation

/// Metrics against scikit-learn's values on committed fixtures (tools/make_metric_fixtures.py).
final class MetricsTests: XCTestCase {
    var dir: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures") }

    func testEqualScikitLearn() throws {
        let expected = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("expected.json"))) as! [String: [String: Any]]
        XCTAssertEqual(expected.count, 3)
        for (file, e) in expected {
            let preds = try PredictionsFile(contentsOf: dir.appendingPathComponent(file))
            let positive = e["positive_auc"] != nil ? 1 : nil
            let m = ClassificationMetrics(labels: preds.labels, probabilities: preds.probabilities, classes: preds.classes, positive: positive)
            func check(_ name: String, _ value: Double?) {
                guard let v = value, let ref = e[name] as? Double else { return XCTFail("\(file): \(name) missing") }
                XCTAssertEqual(v, ref, accuracy: 1e-6, "\(file) \(name)")
            }
            check("accuracy", m.accuracy); check("macro_recall", m.macroRecall); check("macro_precision", m.macroPrecision)
            check("macro_f1", m.macroF1); check("weighted_f1", m.weightedF1); check("kappa", m.kappa); check("macro_auc", m.macroAUC)
            if e["macro_auc_sklearn_ovr"] != nil { check("macro_auc_sklearn_ovr", m.macroAUC) }
            if positive != nil {
                check("positive_precision", m.positivePrecision); check("positive_recall", m.positiveRecall)
                check("positive_f1", m.positiveF1); check("positive_auc", m.positiveAUC)
            }
            for (key, values) in [("per_class_precision", m.perClassPrecision), ("per_class_recall", m.perClassRecall), ("per_class_f1", m.perClassF1)] {
                for (a, b) in zip(values, e[key] as! [Double]) { XCTAssertEqual(a, b, accuracy: 1e-6, "\(file) \(key)") }
            }
            XCTAssertEqual(m.perClassSupport, e["per_class_support"] as! [Int], file)
            XCTAssertEqual(m.confusion, e["confusion"] as! [[Int]], file)
        }
    }

    func testFixtureCoversTiesAndMissingClasses() throws {
        let p = try PredictionsFile(contentsOf: dir.appendingPathComponent("multiclass_ties.csv"))
        let m = ClassificationMetrics(labels: p.labels, probabilities: p.probabilities, classes: p.classes)
        XCTAssertEqual(m.perClassSupport[4], 0, "class 4 is absent from the labels")
        XCTAssertEqual(m.confusion.map { $0[3] }.reduce(0, +), 0, "class 3 is never predicted")
        XCTAssertLessThan(Set(p.probabilities.map { $0[0] }).count, p.labels.count / 2, "scores are tied")
    }

    func testAUCEdgeCases() {
        XCTAssertEqual(ClassificationMetrics.rocAUC(positives: [true, false], scores: [0.9, 0.1]), 1)
        XCTAssertEqual(ClassificationMetrics.rocAUC(positives: [true, false], scores: [0.5, 0.5]), 0.5)
        XCTAssertEqual(ClassificationMetrics.rocAUC(positives: [false, true, true, false], scores: [0.1, 0.4, 0.35, 0.8]), 0.5)
        let curve = ClassificationMetrics.rocCurve(positives: [true, false, true], scores: [0.9, 0.5, 0.5])
        XCTAssertEqual(curve.last!.fpr, 1); XCTAssertEqual(curve.last!.tpr, 1)
    }

    func testBadFilesAreClearErrors() {
        XCTAssertThrowsError(try PredictionsFile(csv: "path,label\na.png,0\n", path: "p.csv")) {
            XCTAssertEqual($0 as? PredictionsError, .missingColumn("p.csv", "prob_*"))
        }
        XCTAssertThrowsError(try PredictionsFile(csv: "label,prob_0,prob_1\n0,0.2,0.8\n5,0.1,0.9\n", path: "p.csv")) {
            XCTAssertEqual("\($0)", "p.csv:3: label '5' is not one of the 2 classes")
        }
        XCTAssertThrowsError(try PredictionsFile(csv: "label,prob_0,prob_1\n0,abc,0.8\n", path: "p.csv")) {
            XCTAssertTrue("\($0)".contains("p.csv:2: prob_0 = 'abc' is not a number"))
        }
    }

    /// metrics.json speaks the one vocabulary (snake_case, as Metric, best_metric, logs and
    /// tables; it was camelCase) and still reads files written before.
    func testMetricsJSONUsesSnakeCaseAndReadsOldFiles() throws {
        let m = ClassificationMetrics(labels: [0, 1, 1, 0], probabilities: [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]],
                                      classes: ["benign", "malignant"])
        let object = try JSONSerialization.jsonObject(with: try m.json()) as! [String: Any]
        for metric in Metric.allCases { XCTAssertNotNil(object[metric.rawValue], metric.rawValue) }
        XCTAssertNotNil(object["per_class_f1"])
        XCTAssertFalse(object.keys.contains { $0.contains(where: \.isUppercase) }, "camelCase key in \(object.keys.sorted())")
        XCTAssertEqual(try JSONDecoder().decode(ClassificationMetrics.self, from: try m.json()), m)
        // The same metrics under the old names.
        var old: [String: Any] = [:]
        for (k, v) in object {
            let parts = k.split(separator: "_")
            old[(String(parts[0]) + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined())
                .replacingOccurrences(of: "Auc", with: "AUC")] = v
        }
        XCTAssertNotNil(old["macroAUC"])
        XCTAssertEqual(try JSONDecoder().decode(ClassificationMetrics.self, from: JSONSerialization.data(withJSONObject: old)), m)
    }

    /// Found by review: label 0 beside label_name B was read as B, and a repeated prob_ column
    /// made two classes of one name; both are errors naming the line.
    func testContradictingColumnsAreErrors() {
        XCTAssertThrowsError(try PredictionsFile(csv: "label,label_name,prob_A,prob_B\n0,B,0.2,0.8\n", path: "p.csv")) {
            XCTAssertEqual("\($0)", "p.csv:2: label 0 and label_name 'B' name different classes")
        }
        XCTAssertThrowsError(try PredictionsFile(csv: "label,prob_A,prob_A\n0,0.2,0.8\n", path: "p.csv")) {
            XCTAssertEqual("\($0)", "p.csv:1: column prob_A appears twice")
        }
        XCTAssertNoThrow(try PredictionsFile(csv: "label,label_name,prob_A,prob_B\n1,B,0.2,0.8\n", path: "p.csv"))
    }
}
