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
        /// A value reported in the literature (a `reported` row): no runs, not measured here.
        public var reported: Bool?

        enum CodingKeys: String, CodingKey {
            case mean, std, n, expected, runs, reference, interval, reported
            case meanOf = "mean_of"
        }
    }

    /// A column of text per row (a backbone, a citation), after the metric columns.
    public struct TextColumn: Codable, Sendable, Equatable {
        public var header: String
        /// Text by row label; a row without one shows nothing.
        public var values: [String: String]
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
    /// The results folder of each missing run that another spec plans (columns that draw
    /// from it); runs of this spec are in its own folder.
    public var missingIn: [String: URL] = [:]
    /// Rows of values reported in the literature (shown marked, with no runs).
    public var reportedRows: [String] = []
    public var textColumns: [TextColumn] = []
    /// The corner header the spec asks for (nil: what the rows are).
    public var cornerTitle: String?

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
        /// The results folder of missing runs read from another spec's folder.
        var missingIn: [String: URL] = [:]
        /// The runs behind the cells, with the store each is read from.
        var sources: [(run: PlannedRun, store: RunStore?)] = []
    }

    /// The runs of each row and column: every run of the spec grouped by row (and pivot
    /// value), or, when columns select their runs, each column's runs (of its own spec)
    /// grouped by row on their own.
    /// - Parameters:
    ///   - store: where finished runs are read (nil: the rows and columns only).
    ///   - renamed: apply the table's `row_names` (off to check them against the rows).
    static func groups(_ t: TableSpec, plan: Plan, store: RunStore?, renamed: Bool = true) -> Groups {
        var g = Groups()
        guard t.selectsPerColumn else {
            g.add(t, plan: plan, store: store, renamed: renamed, include: { _ in true }) { l in t.columnsBy.map { rowKey(l, kind: $0) } ?? "" }
            return g
        }
        for (j, c) in t.columns.enumerated() {
            let (p, s) = plan.source(of: c, store: store)
            let before = Set(g.missing)
            g.add(t, plan: p, store: s, renamed: renamed, include: c.includes) { _ in "#\(j)" }
            if let s, s.root != store?.root { for id in g.missing where !before.contains(id) { g.missingIn[id] = s.root } }
        }
        return g
    }
}

extension ResultTable.Groups {
    /// Adds the runs of `plan` whose spec entries `include` takes, by row key and `column`.
    mutating func add(_ t: TableSpec, plan: Plan, store: RunStore?, renamed: Bool, include: (RunLabel) -> Bool,
                      column: (RunLabel) -> String) {
        let points = plan.spec.points.count
        let included = plan.runs.filter { $0.config.mode != .ssl && (t.modes?.contains($0.config.mode) ?? true) && $0.labels.contains(where: include) }
        // Rows by zoom, label fraction or sweep point never pool modes silently: each mode
        // gets its own rows when the table holds several (and modes are not the columns).
        let severalModes = Set(included.map(\.config.mode)).count > 1 && t.columnsBy != .mode
        var g = self
        defer { self = g }
        for run in included {
            // Only what a finished run left, as it left it (hashes recorded at its finish).
            let m = store.flatMap { $0.isComplete(run.id) ? $0.metrics(run.id) : nil }
            if m == nil, !g.missing.contains(run.id) { g.missing.append(run.id) }
            if !g.sources.contains(where: { $0.run.id == run.id }) { g.sources.append((run, store)) }
            for l in run.labels where include(l) {
                var key = ResultTable.rowKey(l, kind: t.rows)
                // A run that only some sweep points use is told apart by its point, whatever the
                // rows are (rows: zoom with a sweep pooled both points into one cell).
                if t.rows != .sweep && t.columnsBy != .sweep && points > 1 && Set(run.labels.map(\.sweep)).count < points { key += " [\(l.sweep)]" }
                if t.rows != .mode && severalModes { key = ResultTable.modeLabel(l.mode) + " · " + key }
                if renamed, let name = t.rowNames[key] { key = name }
                let column = column(l)
                if g.planned[key] == nil { g.order.append(key) }
                if !g.columnOrder.contains(column) { g.columnOrder.append(column) }
                if !(g.planned[key]?[column]?.contains(run.id) ?? false) { g.planned[key, default: [:]][column, default: []].append(run.id) }
                if let m, !(g.finished[key]?[column]?.contains { $0.id == run.id } ?? false) {
                    g.finished[key, default: [:]][column, default: []].append((run.id, m))
                }
            }
        }
    }
}

extension ResultTable {

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
        if t.selectsPerColumn {
            (columns, cells) = (t.columns.map(\.key), selectedCells(t, g))
        } else if t.columnsBy != nil, let metric = t.columns.first?.metric {
            columns = g.columnOrder + [TableSpec.meanColumn]
            for row in g.order {
                let byColumn = g.columnOrder.map { col in
                    cell(g.finished[row]?[col] ?? [], metric: metric, expected: g.planned[row]?[col]?.count ?? 0,
                         reference: t.reference[row]?[col], intervals: t.intervals)
                }
                cells.append(byColumn + [meanCell(byColumn, planned: g.planned[row] ?? [:], reference: t.reference[row]?[TableSpec.meanColumn])])
            }
        } else {
            columns = t.columns.map(\.metric.rawValue)
            for row in g.order {
                let members = g.finished[row]?[""] ?? []
                let expected = g.planned[row]?[""]?.count ?? 0
                cells.append(t.columns.map { cell(members, metric: $0.metric, expected: expected, reference: t.reference[row]?[$0.key], intervals: t.intervals) })
            }
        }
        let used = Set(g.finished.values.flatMap { $0.values.flatMap { $0.map(\.id) } })
        let configs = g.sources.filter { used.contains($0.run.id) }.map(\.run.config)
        // Columns that read other specs describe each source; a plain table its own design.
        let design = t.selectsPerColumn ? columnsNote(t, plan: plan) : plan.spec.design.map(protocolNote) ?? ""
        var table = ResultTable(name: t.name, title: t.title ?? plan.spec.name, rowKind: t.rows.rawValue, columns: columns,
                                rows: t.reported.map(\.label) + g.order, cells: reportedCells(t, columns: columns) + cells,
                                protocolNote: (design + " " + selectionNote(configs) + emptyValidationNote(g.sources, used: used))
                                    .trimmingCharacters(in: .whitespaces),
                                format: t.format, percent: t.percent, missing: g.missing)
        (table.missingIn, table.reportedRows, table.textColumns, table.cornerTitle) = (g.missingIn, t.reported.map(\.label), t.textColumns, t.corner)
        if !t.reported.isEmpty {
            table.notes.append("Rows marked (reported) are values reported in the literature, copied from the spec, not measured here: "
                               + "they have no runs (n = 0 in the sidecar and CSV).")
        }
        if let by = t.columnsBy {
            (table.pivot, table.metric) = (by.rawValue, t.columns.first?.metric.rawValue)
            table.notes.append("Mean: the unweighted mean of the \(g.columnOrder.count) per-\(by.rawValue) means (each over its own runs); "
                               + "no spread is shown for it, and it is left out (–) when a \(by.rawValue) has no value.")
        }
        if let note = intervalNote(cells, t.intervals) { table.notes.append(note) }
        // Validation scores are read from this spec's runs; columns of other specs mark nothing.
        if t.rows == .sweep && !t.selectsPerColumn {
            table.bestOnValidation = BestSweepPoint.choose(groups: g, runs: plan.runs, store: store)
            table.bestOnValidation.map { table.notes.append($0.note) }
        }
        if let note = t.note { table.notes.append(note) }
        return table
    }
}
