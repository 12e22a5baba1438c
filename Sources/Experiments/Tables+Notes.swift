import Evaluation
import Foundation
import HistoData
import TensorKit
import Training

/// The Mean column of pivoted tables and the notes under a table: which spread its cells
/// show and how its runs chose their models.
extension ResultTable {
    /// The Mean column of a pivoted row: the unweighted mean of its column means, nil when
    /// a column has none; its n and expected count every run of the row.
    static func meanCell(_ columns: [Cell?], planned: [String: [String]], reference: Double?) -> Cell? {
        let present = columns.compactMap { $0 }
        guard !present.isEmpty, present.count == columns.count else { return nil }
        let runs = present.flatMap(\.runs)
        return Cell(mean: present.map(\.mean).reduce(0, +) / Double(present.count), std: 0, n: present.map(\.n).reduce(0, +),
                    expected: planned.values.map(\.count).reduce(0, +), runs: runs, reference: reference, meanOf: present.count)
    }

    /// Which spread the cells show: a bootstrap interval for single-run cells, ± over runs for
    /// the others.
    static func intervalNote(_ cells: [[Cell?]], _ intervals: TableSpec.Intervals) -> String? {
        guard intervals == .bootstrap else { return nil }
        let all = cells.flatMap { $0 }.compactMap { $0 }.filter { $0.meanOf == nil }
        let withInterval = all.filter { $0.interval != nil }.count
        guard withInterval > 0 else {
            return "Intervals: no cell holds a single run with a bootstrap interval (cells of several runs show ± over runs; "
                + "runs finished before intervals were recorded have none)."
        }
        var s = "Brackets: the 95 % percentile-bootstrap confidence interval of a single run over its test images "
            + "(1000 resamples, seeded by the run's seed)"
        if all.contains(where: { $0.n > 1 }) { s += "; cells of several runs show ± the sample standard deviation over runs instead" }
        if all.contains(where: { $0.n == 1 && $0.interval == nil }) { s += "; single-run values without brackets have no interval (AUCs are not bootstrapped)" }
        return s + "."
    }

    /// How the runs behind a table chose their models: on a validation split, or (validation
    /// 0, the published protocol) per-epoch metrics on the test split; and which model the
    /// test metrics are of.
    static func selectionNote(_ configs: [RunConfig]) -> String {
        let kinds = Set(configs.map { "\($0.validation)|\($0.select.rawValue)" })
        guard kinds.count == 1, let c = configs.first else {
            return kinds.isEmpty ? "" : "Model selection differs between the runs (see each run's config.json)."
        }
        let model = c.select == .best ? "the best checkpoint on validation (\(c.bestMetric.rawValue))" : "the last epoch's model"
        if c.validation == 0 {
            return "No validation split (as published): per-epoch metrics and best.safetensors used the test split; test metrics are of \(model)."
        }
        return String(format: "Validation: %g %% of each training split (stratified%@) for per-epoch metrics and best.safetensors; "
                      + "the test split was evaluated once, on %@.", c.validation * 100, c.groupByPatient ? ", patient-grouped" : "", model)
    }

    /// Runs that asked for a validation split but got none (too few images per class to
    /// round to one): the footnote above would otherwise claim a split chose their model.
    static func emptyValidationNote(_ sources: [(run: PlannedRun, store: RunStore?)], used: Set<String>) -> String {
        let empty = sources.filter { r in
            used.contains(r.run.id) && r.run.config.validation > 0 && r.store.map { $0.validation(r.run.id) == nil } ?? false
        }.count
        guard empty > 0 else { return "" }
        return " \(empty) of the \(used.count) runs had too few images per class for a validation split (it rounded to none): "
            + "they computed no per-epoch metrics, and their test metrics are of the last epoch's model."
    }

    static func protocolNote(_ d: ExperimentDesign) -> String { designNote(d) + ". " + cellsSentence }

    static let cellsSentence = "Cells are mean ± sample standard deviation over folds and seeds (n runs per cell in the sidecar JSON)."

    /// The data and protocol of a design: dataset, folds or test set, zooms, label fractions, seeds.
    static func designNote(_ d: ExperimentDesign) -> String {
        let p = d.evaluation
        var s = "\(d.data.kind.rawValue) data at `\(d.data.root)`"
        if let k = p.folds {
            s += "; \(k)-fold stratified CV (\(p.groupByPatient ? "patient-grouped" : "image-level"))"
        } else if let t = d.data.testRoot {
            s += "; test set `\(t)`"
        } else {
            s += "; stratified hold-out test set"
        }
        if let z = p.zooms, !z.isEmpty { s += "; magnifications \(z.joined(separator: ", "))" }
        if p.labelFractions != [1] { s += "; label fractions \(p.labelFractions.map { String(format: "%g", $0) }.joined(separator: ", "))" }
        return s + "; seeds \(p.seeds.map(String.init).joined(separator: ", "))"
    }
}
