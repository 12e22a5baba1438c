import Evaluation
import Foundation
import Training

/// The charts drawn from runs' numbers: per-epoch curves (loss and its parts, validation
/// metrics, learning rate) for one run or overlaid for several, and ROC curves.
enum RunCharts {
    /// The validation metrics drawn (when logged), in this order.
    static let validationMetrics = ["accuracy", "macro_f1", "kappa", "macro_auc"]

    /// One run's curves: loss with its parts (dashed), validation metrics, learning rate.
    static func curves(_ r: RunRecord) -> [LineChart] {
        let e = r.epochs
        guard !e.isEmpty else { return [] }
        func pts(_ value: (EpochRecord) -> Double?) -> [(x: Double, y: Double)] {
            e.compactMap { rec in value(rec).map { (Double(rec.epoch), $0) } }
        }
        var charts: [LineChart] = []
        let parts = Set(e.flatMap(\.lossParts.keys)).sorted()
        charts.append(LineChart(title: "Training loss", xLabel: "epoch", yLabel: "loss",
                                series: [LineChart.Series(name: "loss", points: pts { $0.loss })]
                                    + parts.map { p in LineChart.Series(name: partName(p), points: pts { $0.lossParts[p] }, dashed: true) }))
        let metrics = validationMetrics.filter { m in e.contains { $0.validation?[m] != nil } }
        if !metrics.isEmpty {
            charts.append(LineChart(title: "Validation metrics", xLabel: "epoch", yLabel: "value",
                                    series: metrics.map { m in LineChart.Series(name: metricName(m), points: pts { $0.validation?[m] }) }))
        }
        charts.append(LineChart(title: "Learning rate", xLabel: "epoch", yLabel: "lr", series: [LineChart.Series(name: "lr", points: pts { $0.lr })]))
        return charts
    }

    /// The curves of several runs overlaid, one chart per quantity, one line per run (each
    /// tagged with its run id, in the colour of its place in `runs` on every chart).
    static func overlaid(_ runs: [RunRecord]) -> [LineChart] {
        let withLog = runs.enumerated().filter { !$0.element.epochs.isEmpty }
        func chart(_ title: String, _ y: String, _ value: @escaping (EpochRecord) -> Double?) -> LineChart? {
            let series = withLog.compactMap { k, r -> LineChart.Series? in
                let p = r.epochs.compactMap { rec in value(rec).map { (x: Double(rec.epoch), y: $0) } }
                return p.isEmpty ? nil : .init(name: r.label, points: p, run: r.id, style: k)
            }
            return series.isEmpty ? nil : LineChart(title: title, xLabel: "epoch", yLabel: y, series: series)
        }
        var charts = [chart("Training loss", "loss") { $0.loss }]
        for p in Set(withLog.flatMap { $0.element.epochs.flatMap(\.lossParts.keys) }).sorted() {
            charts.append(chart("Loss part: \(partName(p))", "loss") { $0.lossParts[p] })
        }
        for m in validationMetrics { charts.append(chart("Validation \(metricName(m))", metricName(m)) { $0.validation?[m] }) }
        charts.append(chart("Learning rate", "lr") { $0.lr })
        return charts.compactMap { $0 }
    }

    /// One-vs-rest ROC curves of a run's test predictions, the AUC in each legend entry.
    static func roc(_ r: RunRecord) -> LineChart? {
        guard let p = r.predictions, !p.labels.isEmpty else { return nil }
        let series = p.classes.indices.compactMap { c -> LineChart.Series? in
            let positives = p.labels.map { $0 == c }
            let n = positives.filter { $0 }.count
            guard n > 0 && n < positives.count else { return nil }
            let scores = p.probabilities.map { $0[c] }
            let auc = ClassificationMetrics.rocAUC(positives: positives, scores: scores)
            let curve = ClassificationMetrics.rocCurve(positives: positives, scores: scores).map { (x: $0.fpr, y: $0.tpr) }
            return .init(name: String(format: "%@ %.3f", p.classes[c], auc), points: curve)
        }
        var chart = LineChart(title: "ROC (one vs rest; class and AUC)", xLabel: "false positive rate", yLabel: "true positive rate", series: series)
        chart.xRange = (0, 1)
        chart.yRange = (0, 1)
        chart.diagonal = true
        return chart
    }

    /// A loss part's name (`rot` → rotation).
    static func partName(_ p: String) -> String { ["rot": "rotation", "con": "contrastive", "rec": "reconstruction"][p] ?? p }

    /// A metric's name as tables print it (`macro_f1` → Macro-F1).
    static func metricName(_ m: String) -> String { Metric(rawValue: m)?.tableHeader ?? m }
}
