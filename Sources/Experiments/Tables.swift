import Evaluation
import Foundation
import HistoData
import TensorKit
import Training

/// Result tables like the paper's: mean ± standard deviation over folds and seeds.
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
    }

    public var name: String
    public var title: String
    public var rowKind: String
    public var columns: [String]
    public var rows: [String]
    /// cells[row][column]
    public var cells: [[Cell?]]
    public var protocolNote: String
    public var format: String
    public var percent: Bool
    /// Planned runs without readable test metrics (failed, not run, damaged).
    public var missing: [String] = []
    /// The rows the spec gives reference values for.
    public var referenceRows: [String] = []

    static let modeNames = ["ft": "FT", "le": "SSL+LE", "mlp": "SSL+MLP", "ssl-ft": "SSL+FT", "random-le": "Random+LE", "random-mlp": "Random+MLP"]
    static func header(_ column: String) -> String { Metric(rawValue: column)?.tableHeader ?? column }

    /// The spec's tables (or one default table by mode) from the finished runs in `store`.
    public static func make(_ plan: Plan, store: RunStore) -> [ResultTable] {
        (plan.spec.tables.isEmpty ? [.byMode] : plan.spec.tables).map { table($0, plan: plan, store: store) }
    }

    static func rowKey(_ l: RunLabel, kind: TableSpec.Rows) -> String {
        switch kind {
        case .zoom: return l.zoom ?? "all"
        case .labelFraction: return String(format: "%g %%", l.labelFraction * 100)
        case .sweep: return l.sweep.isEmpty ? "-" : l.sweep
        case .mode: return modeNames[l.mode] ?? l.mode
        }
    }

    static func table(_ t: TableSpec, plan: Plan, store: RunStore) -> ResultTable {
        var groups: [String: [(String, ClassificationMetrics)]] = [:]
        // Every planned run a row should have, finished or not: a cell shows when it has fewer.
        var planned: [String: [String]] = [:]
        var order: [String] = []
        var missing: [String] = []
        let points = plan.spec.points.count
        let included = plan.runs.filter { $0.config.mode != .ssl && (t.modes?.contains($0.config.mode) ?? true) }
        // Rows by zoom, label fraction or sweep point never pool modes silently: each mode
        // gets its own rows when the table holds several.
        let severalModes = Set(included.map(\.config.mode)).count > 1
        for run in included {
            let m = store.metrics(run.id)
            if m == nil { missing.append(run.id) }
            for l in run.labels {
                var key = rowKey(l, kind: t.rows)
                // A run that only some sweep points use is told apart by its point.
                if t.rows == .mode && points > 1 && Set(run.labels.map(\.sweep)).count < points { key += " [\(l.sweep)]" }
                if t.rows != .mode && severalModes { key = (modeNames[l.mode] ?? l.mode) + " · " + key }
                if planned[key] == nil { order.append(key) }
                if !(planned[key]?.contains(run.id) ?? false) { planned[key, default: []].append(run.id) }
                if let m, !(groups[key]?.contains { $0.0 == run.id } ?? false) { groups[key, default: []].append((run.id, m)) }
            }
        }
        var cells: [[Cell?]] = []
        for row in order {
            let members = groups[row] ?? []
            let expected = planned[row]?.count ?? 0
            cells.append(t.columns.map { col in
                let values = members.compactMap { col.value(in: $0.1) }
                guard !values.isEmpty else { return nil }
                let mean = values.reduce(0, +) / Double(values.count)
                let std = values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
                return Cell(mean: mean, std: std, n: values.count, expected: expected, runs: members.map(\.0), reference: t.reference[row]?[col])
            })
        }
        let configs = plan.runs.filter { r in groups.values.contains { $0.contains { $0.0 == r.id } } }.map(\.config)
        return ResultTable(name: t.name, title: t.title ?? plan.spec.name, rowKind: t.rows.rawValue, columns: t.columns.map(\.rawValue),
                           rows: order, cells: cells, protocolNote: protocolNote(plan.spec.design) + " " + selectionNote(configs),
                           format: t.format, percent: t.percent, missing: missing, referenceRows: t.reference.keys.sorted())
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

    func value(_ v: Double) -> String { String(format: format, percent ? v * 100 : v) }

    /// Markdown with a Δ column per metric when references are given.
    public var markdown: String {
        let hasRef = cells.contains { $0.contains { $0?.reference != nil } }
        var header = [rowKind == "mode" ? "Mode" : rowKind]
        for c in columns { header.append(Self.header(c)); if hasRef { header.append("Δ ref") } }
        var s = "### \(title)\n\n| " + header.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
        for (r, row) in rows.enumerated() {
            var line = [row]
            for cell in cells[r] {
                guard let cell else { line.append("–"); if hasRef { line.append("") }; continue }
                line.append((cell.n > 1 ? "\(value(cell.mean)) ± \(value(cell.std))" : value(cell.mean))
                            + (cell.n < cell.expected ? " (\(cell.n)/\(cell.expected))" : ""))
                if hasRef { line.append(cell.reference.map { String(format: "%+.3f", (percent ? 100 : 1) * cell.mean - $0) } ?? "") }
            }
            s += "| " + line.joined(separator: " | ") + " |\n"
        }
        if !missing.isEmpty {
            s += "\n**Incomplete:** \(missing.count) planned run\(missing.count == 1 ? " has" : "s have") no test metrics "
                + "(failed, not run, or unreadable): \(missing.map { String($0.prefix(8)) }.joined(separator: ", ")).\n"
        }
        return s + "\n" + protocolNote + "\n"
    }

    public var csv: String {
        var s = "row," + columns.flatMap { ["\($0)_mean", "\($0)_std", "\($0)_n", "\($0)_expected"] }.joined(separator: ",") + "\n"
        for (r, row) in rows.enumerated() {
            s += CSVField.escape(row) + "," + cells[r].map { c in c.map { "\($0.mean),\($0.std),\($0.n),\($0.expected)" } ?? ",,," }.joined(separator: ",") + "\n"
        }
        return s
    }

    public var latex: String {
        var s = "\\begin{tabular}{l" + String(repeating: "c", count: columns.count) + "}\n\\hline\n"
        s += ([rowKind == "mode" ? "Mode" : rowKind] + columns.map { Self.header($0).replacingOccurrences(of: "κ", with: "$\\kappa$") })
            .joined(separator: " & ") + " \\\\\n\\hline\n"
        for (r, row) in rows.enumerated() {
            s += ([row] + cells[r].map { c in c.map { $0.n > 1 ? "\(value($0.mean)) $\\pm$ \(value($0.std))" : value($0.mean) } ?? "--" })
                .joined(separator: " & ") + " \\\\\n"
        }
        return s + "\\hline\n\\end{tabular}\n"
    }

    /// Writes `<name>.md`, `.csv`, `.tex` and the `.json` sidecar (run ids per cell).
    public func write(to dir: URL) throws {
        try AtomicFile.write(Data(markdown.utf8), to: dir.appendingPathComponent("\(name).md"))
        try AtomicFile.write(Data(csv.utf8), to: dir.appendingPathComponent("\(name).csv"))
        try AtomicFile.write(Data(latex.utf8), to: dir.appendingPathComponent("\(name).tex"))
        var side: [String: [String: Cell]] = [:]
        for (r, row) in rows.enumerated() { for (c, col) in columns.enumerated() { if let cell = cells[r][c] { side[row, default: [:]][col] = cell } } }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try e.encode(side), to: dir.appendingPathComponent("\(name).json"))
    }
}
