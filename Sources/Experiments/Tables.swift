import Evaluation
import Foundation
import HistoData
import TensorKit
import Training

/// Result tables like the paper's: mean ± standard deviation over folds and seeds, one
/// row per mode (or zoom, label fraction, sweep point), one column per metric, or with
/// `columns_by` one column per value of a second dimension and a Mean column.
public struct ResultTable {
    public struct Cell: Codable, Sendable {
        public var mean: Double
        public var std: Double
        public var n: Int
        /// The runs the cell should have (planned); more than `n` when some failed, are not
        /// run yet, or their metrics cannot be read.
        public var expected: Int
        public var runs: [String]
        public var reference: Double?
        /// A single run's percentile-bootstrap interval `[low, high]` over its test images
        /// (tables with `intervals: bootstrap`).
        public var interval: [Double]?
        /// The Mean column of a pivoted table: the number of column means it averages
        /// (unweighted; no spread shown).
        public var meanOf: Int?

        enum CodingKeys: String, CodingKey {
            case mean, std, n, expected, runs, reference, interval
            case meanOf = "mean_of"
        }
    }

    public var name: String
    public var title: String
    public var rowKind: String
    /// Metric names, or with a pivot the dimension's values then `Mean`.
    public var columns: [String]
    public var rows: [String]
    /// cells[row][column]
    public var cells: [[Cell?]]
    public var protocolNote: String
    public var format: String
    public var percent: Bool
    /// Planned runs without readable test metrics (failed, not run, damaged).
    public var missing: [String] = []

    static func header(_ column: String) -> String { Metric(rawValue: column)?.tableHeader ?? column }

    /// The pivoted dimension (`zoom`), nil for a table with a column per metric.
    public var pivot: String?
    /// The one metric of a pivoted table (its corner header).
    public var metric: String?
    /// The sweep point chosen on validation (tables with `rows: sweep`), or why none is.
    public var bestOnValidation: BestSweepPoint?
    /// Footnotes on what cells show (the Mean column, intervals, the validation mark).
    public var notes: [String] = []

    /// The spec's tables (or one default table by mode) from the finished runs in `store`.
    public static func make(_ plan: Plan, store: RunStore) -> [ResultTable] {
        (plan.spec.tables.isEmpty ? [.byMode] : plan.spec.tables).map { table($0, plan: plan, store: store) }
    }

    static func fractionLabel(_ f: Double) -> String { String(format: "%g %%", f * 100) }
    static func modeLabel(_ mode: String) -> String { RunConfig.Mode(rawValue: mode)?.tableName ?? mode }

    static func rowKey(_ l: RunLabel, kind: TableSpec.Rows) -> String {
        switch kind {
        case .zoom: return l.zoom ?? "all"
        case .labelFraction: return fractionLabel(l.labelFraction)
        case .sweep: return l.sweep.isEmpty ? "-" : l.sweep
        case .mode: return modeLabel(l.mode)
        }
    }

    /// The runs of a table grouped by row and column value (`""` without a pivot), finished
    /// or not, in the order rows and columns first appear.
    struct Groups {
        var order: [String] = []
        var columnOrder: [String] = []
        /// Every planned run a cell should have: a cell shows when it has fewer.
        var planned: [String: [String: [String]]] = [:]
        var finished: [String: [String: [(id: String, metrics: ClassificationMetrics)]]] = [:]
        var missing: [String] = []
    }

    /// - Parameter store: where finished runs are read (nil: the rows and columns only).
    static func groups(_ t: TableSpec, plan: Plan, store: RunStore?) -> Groups {
        var g = Groups()
        let points = plan.spec.points.count
        let included = plan.runs.filter { $0.config.mode != .ssl && (t.modes?.contains($0.config.mode) ?? true) }
        // Rows by zoom, label fraction or sweep point never pool modes silently: each mode
        // gets its own rows when the table holds several (and modes are not the columns).
        let severalModes = Set(included.map(\.config.mode)).count > 1 && t.columnsBy != .mode
        for run in included {
            // Only what a finished run left, as it left it (hashes recorded at its finish).
            let m = store.flatMap { $0.isComplete(run.id) ? $0.metrics(run.id) : nil }
            if m == nil { g.missing.append(run.id) }
            for l in run.labels {
                var key = rowKey(l, kind: t.rows)
                // A run that only some sweep points use is told apart by its point, whatever the
                // rows are (rows: zoom with a sweep pooled both points into one cell).
                if t.rows != .sweep && t.columnsBy != .sweep && points > 1 && Set(run.labels.map(\.sweep)).count < points { key += " [\(l.sweep)]" }
                if t.rows != .mode && severalModes { key = modeLabel(l.mode) + " · " + key }
                let column = t.columnsBy.map { rowKey(l, kind: $0) } ?? ""
                if g.planned[key] == nil { g.order.append(key) }
                if !g.columnOrder.contains(column) { g.columnOrder.append(column) }
                if !(g.planned[key]?[column]?.contains(run.id) ?? false) { g.planned[key, default: [:]][column, default: []].append(run.id) }
                if let m, !(g.finished[key]?[column]?.contains { $0.id == run.id } ?? false) {
                    g.finished[key, default: [:]][column, default: []].append((run.id, m))
                }
            }
        }
        return g
    }

    /// One cell: mean ± sample standard deviation of `metric` over the runs, with a single
    /// run's bootstrap interval when the table asks for intervals.
    static func cell(_ members: [(id: String, metrics: ClassificationMetrics)], metric: Metric, expected: Int, reference: Double?,
                     intervals: TableSpec.Intervals) -> Cell? {
        let values = members.compactMap { metric.value(in: $0.metrics) }
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let std = values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
        var cell = Cell(mean: mean, std: std, n: values.count, expected: expected, runs: members.map(\.id), reference: reference)
        if intervals == .bootstrap, members.count == 1, let r = members[0].metrics.intervals?[metric] { cell.interval = [r.lowerBound, r.upperBound] }
        return cell
    }

    static func table(_ t: TableSpec, plan: Plan, store: RunStore) -> ResultTable {
        let g = groups(t, plan: plan, store: store)
        let columns: [String]
        var cells: [[Cell?]] = []
        if t.columnsBy != nil, let metric = t.columns.first {
            columns = g.columnOrder + [TableSpec.meanColumn]
            for row in g.order {
                let byColumn = g.columnOrder.map { col in
                    cell(g.finished[row]?[col] ?? [], metric: metric, expected: g.planned[row]?[col]?.count ?? 0,
                         reference: t.reference[row]?[col], intervals: t.intervals)
                }
                cells.append(byColumn + [meanCell(byColumn, planned: g.planned[row] ?? [:], reference: t.reference[row]?[TableSpec.meanColumn])])
            }
        } else {
            columns = t.columns.map(\.rawValue)
            for row in g.order {
                let members = g.finished[row]?[""] ?? []
                let expected = g.planned[row]?[""]?.count ?? 0
                cells.append(t.columns.map { cell(members, metric: $0, expected: expected, reference: t.reference[row]?[$0.rawValue], intervals: t.intervals) })
            }
        }
        let used = Set(g.finished.values.flatMap { $0.values.flatMap { $0.map(\.id) } })
        let configs = plan.runs.filter { used.contains($0.id) }.map(\.config)
        var table = ResultTable(name: t.name, title: t.title ?? plan.spec.name, rowKind: t.rows.rawValue, columns: columns,
                                rows: g.order, cells: cells,
                                protocolNote: (protocolNote(plan.spec.design) + " " + selectionNote(configs) + emptyValidationNote(plan, used: used, store: store))
                                    .trimmingCharacters(in: .whitespaces),
                                format: t.format, percent: t.percent, missing: g.missing)
        if let by = t.columnsBy {
            (table.pivot, table.metric) = (by.rawValue, t.columns.first?.rawValue)
            table.notes.append("Mean: the unweighted mean of the \(g.columnOrder.count) per-\(by.rawValue) means (each over its own runs); "
                               + "no spread is shown for it, and it is left out (–) when a \(by.rawValue) has no value.")
        }
        if let note = intervalNote(cells, t.intervals) { table.notes.append(note) }
        if t.rows == .sweep {
            table.bestOnValidation = BestSweepPoint.choose(groups: g, runs: plan.runs, store: store)
            table.bestOnValidation.map { table.notes.append($0.note) }
        }
        return table
    }

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
    static func emptyValidationNote(_ plan: Plan, used: Set<String>, store: RunStore) -> String {
        let empty = plan.runs.filter { used.contains($0.id) && $0.config.validation > 0 && store.validation($0.id) == nil }.count
        guard empty > 0 else { return "" }
        return " \(empty) of the \(used.count) runs had too few images per class for a validation split (it rounded to none): "
            + "they computed no per-epoch metrics, and their test metrics are of the last epoch's model."
    }

    static func protocolNote(_ d: ExperimentDesign) -> String {
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
        s += "; seeds \(p.seeds.map(String.init).joined(separator: ", ")). Cells are mean ± sample standard deviation over folds and seeds (n runs per cell in the sidecar JSON)."
        return s
    }
}
