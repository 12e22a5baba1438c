import Evaluation
import Foundation
import TensorKit
import Training

/// Result tables like the paper's: mean ± standard deviation over folds and seeds.
public struct ResultTable {
    public struct Cell: Codable, Sendable {
        public var mean: Double
        public var std: Double
        public var n: Int
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

    static let modeNames = ["ft": "FT", "le": "SSL+LE", "mlp": "SSL+MLP", "ssl-ft": "SSL+FT"]
    static func header(_ column: String) -> String { Metric(rawValue: column)?.tableHeader ?? column }

    /// The spec's tables (or one default table by mode) from the finished runs in `store`.
    public static func make(_ plan: Plan, store: RunStore) -> [ResultTable] {
        let specs = plan.spec.tree["tables"].map { t -> [SpecValue] in if case .sequence(let s, _) = t { return s }; return [] } ?? []
        let defaults: [SpecValue] = [.mapping([(key: "columns", value: .sequence(Metric.general.map(\.rawValue).map { .scalar($0, plan.spec.tree.location) },
                                                                                    plan.spec.tree.location))], plan.spec.tree.location)]
        return (specs.isEmpty ? defaults : specs).enumerated().map { i, t in table(t, index: i, plan: plan, store: store) }
    }

    static func rowKey(_ l: RunLabel, kind: String) -> String {
        switch kind {
        case "zoom": return l.zoom ?? "all"
        case "label_fraction": return String(format: "%g %%", l.labelFraction * 100)
        case "sweep": return l.sweep.isEmpty ? "-" : l.sweep
        default: return modeNames[l.mode] ?? l.mode
        }
    }

    static func table(_ t: SpecValue, index: Int, plan: Plan, store: RunStore) -> ResultTable {
        let name = t["name"]?.scalarString ?? (index == 0 ? "main" : "table\(index + 1)")
        let kind = t["rows"]?.scalarString ?? "mode"
        let columns = t["columns"]?.stringList ?? []
        var groups: [String: [(String, ClassificationMetrics)]] = [:]
        var order: [String] = []
        let modes = t["modes"]?.stringList
        let points = (try? plan.spec.sweepPoints().count) ?? 1
        for run in plan.runs where run.config.mode != .ssl && (modes?.contains(run.config.mode.rawValue) ?? true) {
            guard let m = store.metrics(run.id) else { continue }
            for l in run.labels {
                var key = rowKey(l, kind: kind)
                // A run that only some sweep points use is told apart by its point.
                if kind == "mode" && points > 1 && Set(run.labels.map(\.sweep)).count < points { key += " [\(l.sweep)]" }
                if groups[key] == nil { order.append(key) }
                if !(groups[key]?.contains { $0.0 == run.id } ?? false) { groups[key, default: []].append((run.id, m)) }
            }
        }
        var cells: [[Cell?]] = []
        for row in order {
            let members = groups[row]!
            cells.append(columns.map { col in
                let values = members.compactMap { $0.1.summaryValues[col] }
                guard !values.isEmpty else { return nil }
                let mean = values.reduce(0, +) / Double(values.count)
                let std = values.count > 1 ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
                let ref = t.value(at: ["reference", row, col])?.scalarString.flatMap(Double.init)
                return Cell(mean: mean, std: std, n: values.count, runs: members.map(\.0), reference: ref)
            })
        }
        return ResultTable(name: name, title: t["title"]?.scalarString ?? plan.spec.name, rowKind: kind, columns: columns,
                           rows: order, cells: cells, protocolNote: protocolNote(plan), format: t["format"]?.scalarString ?? "%.3f",
                           percent: t["percent"]?.scalarString == "true")
    }

    static func protocolNote(_ plan: Plan) -> String {
        let tree = plan.spec.tree
        var s = "\(tree.value(at: ["dataset", "kind"])?.scalarString ?? "") data at `\(tree.value(at: ["dataset", "root"])?.scalarString ?? "")`"
        if let k = tree.value(at: ["protocol", "folds"])?.scalarString {
            s += "; \(k)-fold stratified CV (\(tree.value(at: ["protocol", "group_by"])?.scalarString == "patient" ? "patient-grouped" : "image-level"))"
        } else if let t = tree.value(at: ["dataset", "test_root"])?.scalarString {
            s += "; test set `\(t)`"
        } else {
            s += "; stratified hold-out test set"
        }
        if let z = tree.value(at: ["protocol", "zooms"])?.stringList, !z.isEmpty { s += "; magnifications \(z.joined(separator: ", "))" }
        if let f = tree.value(at: ["protocol", "label_fractions"])?.stringList, f != ["1"], f != ["1.0"] { s += "; label fractions \(f.joined(separator: ", "))" }
        let seeds = tree.value(at: ["protocol", "seeds"])?.stringList ?? ["0"]
        s += "; seeds \(seeds.joined(separator: ", ")). Cells are mean ± sample standard deviation over folds and seeds (n runs per cell in the sidecar JSON)."
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
                line.append(cell.n > 1 ? "\(value(cell.mean)) ± \(value(cell.std))" : value(cell.mean))
                if hasRef { line.append(cell.reference.map { String(format: "%+.3f", (percent ? 100 : 1) * cell.mean - $0) } ?? "") }
            }
            s += "| " + line.joined(separator: " | ") + " |\n"
        }
        return s + "\n" + protocolNote + "\n"
    }

    public var csv: String {
        var s = "row," + columns.flatMap { ["\($0)_mean", "\($0)_std", "\($0)_n"] }.joined(separator: ",") + "\n"
        for (r, row) in rows.enumerated() {
            s += row + "," + cells[r].map { c in c.map { "\($0.mean),\($0.std),\($0.n)" } ?? ",," }.joined(separator: ",") + "\n"
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
