import Evaluation
import Foundation
import HistoData
import TensorKit

/// The table's outputs: Markdown, CSV, LaTeX and the JSON sidecar.
extension ResultTable {
    func value(_ v: Double) -> String { String(format: format, percent ? v * 100 : v) }

    /// A cell's text: mean, then `± std` over several runs or `[low, high]` for a single run
    /// with an interval (`pm` and the brackets as the output format writes them), then
    /// `(n/expected)` when short.
    func text(_ cell: Cell, pm: String = "±") -> String {
        var s = value(cell.mean)
        if let i = cell.interval, i.count == 2 {
            s += " [\(value(i[0])), \(value(i[1]))]"
        } else if cell.n > 1 && cell.meanOf == nil {
            s += " \(pm) \(value(cell.std))"
        }
        return s + (cell.n < cell.expected ? " (\(cell.n)/\(cell.expected))" : "")
    }

    /// The row's label, marked when validation chose it.
    func label(_ row: String) -> String {
        bestOnValidation?.chosen.contains(row) == true ? "\(row) \(BestSweepPoint.mark)" : row
    }

    /// The corner header: the metric of a pivoted table, else what the rows are.
    var corner: String {
        if let metric, let m = Metric(rawValue: metric) { return m.prose.prefix(1).uppercased() + m.prose.dropFirst() + (percent ? " (%)" : "") }
        return rowKind == "mode" ? "Mode" : rowKind
    }

    /// Markdown with a Δ column per column when references are given.
    public var markdown: String {
        let hasRef = cells.contains { $0.contains { $0?.reference != nil } }
        var header = [corner]
        for c in columns { header.append(Self.header(c)); if hasRef { header.append("Δ ref") } }
        var s = "### \(title)\n\n| " + header.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
        for (r, row) in rows.enumerated() {
            var line = [label(row)]
            for cell in cells[r] {
                guard let cell else { line.append("–"); if hasRef { line.append("") }; continue }
                line.append(text(cell))
                if hasRef { line.append(cell.reference.map { String(format: "%+.3f", (percent ? 100 : 1) * cell.mean - $0) } ?? "") }
            }
            s += "| " + line.joined(separator: " | ") + " |\n"
        }
        if !missing.isEmpty {
            s += "\n**Incomplete:** \(missing.count) planned run\(missing.count == 1 ? " has" : "s have") no test metrics "
                + "(failed, not run, or unreadable): \(missing.map { String($0.prefix(8)) }.joined(separator: ", ")).\n"
        }
        return s + "\n" + ([protocolNote] + notes).joined(separator: " ") + "\n"
    }

    public var csv: String {
        let marked = bestOnValidation.map { !$0.chosen.isEmpty } ?? false
        var s = "row," + columns.flatMap { c in ["mean", "std", "n", "expected"].map { "\(c)_\($0)" } + (hasIntervals ? ["\(c)_low", "\(c)_high"] : []) }
            .joined(separator: ",") + (marked ? ",best_on_validation" : "") + "\n"
        for (r, row) in rows.enumerated() {
            let fields = cells[r].map { c -> String in
                var f = c.map { "\($0.mean),\($0.std),\($0.n),\($0.expected)" } ?? ",,,"
                if hasIntervals { f += c?.interval.map { ",\($0[0]),\($0[1])" } ?? ",," }
                return f
            }
            s += CSVField.escape(row) + "," + fields.joined(separator: ",")
                + (marked ? "," + String(bestOnValidation?.chosen.contains(row) ?? false) : "") + "\n"
        }
        return s
    }

    /// Whether any cell carries an interval (the CSV then has low/high columns).
    var hasIntervals: Bool { cells.contains { $0.contains { $0?.interval != nil } } }

    /// The table as a LaTeX `tabular`: every label and header escaped (a label-fraction row
    /// `10 %` commented out the rest of its line, a sweep label's `_` broke math mode).
    public var latex: String {
        var s = "\\begin{tabular}{l" + String(repeating: "c", count: columns.count) + "}\n\\hline\n"
        s += ([Self.latexEscaped(corner)] + columns.map { Self.latexEscaped(Self.header($0)).replacingOccurrences(of: "κ", with: "$\\kappa$") })
            .joined(separator: " & ") + " \\\\\n\\hline\n"
        for (r, row) in rows.enumerated() {
            s += ([Self.latexEscaped(label(row)).replacingOccurrences(of: BestSweepPoint.mark, with: "$\\blacktriangle$")]
                  + cells[r].map { c in c.map { Self.latexEscaped(text($0)).replacingOccurrences(of: "±", with: "$\\pm$") } ?? "--" })
                .joined(separator: " & ") + " \\\\\n"
        }
        return s + "\\hline\n\\end{tabular}\n"
    }

    /// Text with LaTeX's special characters escaped.
    static func latexEscaped(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "%", "_", "&", "#", "$", "{", "}": out += "\\" + String(ch)
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            default: out.append(ch)
            }
        }
        return out
    }

    /// The JSON sidecar: cells (with their run ids) by row and column, the layout, the
    /// notes, and the sweep point chosen on validation.
    struct Sidecar: Encodable {
        var title: String
        var rows: [String]
        var columns: [String]
        var pivot: String?
        var metric: String?
        var cells: [String: [String: Cell]]
        var bestOnValidation: BestSweepPoint?
        var notes: [String]

        enum CodingKeys: String, CodingKey {
            case title, rows, columns, pivot, metric, cells, notes
            case bestOnValidation = "best_on_validation"
        }
    }

    /// Writes `<name>.md`, `.csv`, `.tex` and the `.json` sidecar.
    public func write(to dir: URL) throws {
        try AtomicFile.write(Data(markdown.utf8), to: dir.appendingPathComponent("\(name).md"))
        try AtomicFile.write(Data(csv.utf8), to: dir.appendingPathComponent("\(name).csv"))
        try AtomicFile.write(Data(latex.utf8), to: dir.appendingPathComponent("\(name).tex"))
        var side: [String: [String: Cell]] = [:]
        for (r, row) in rows.enumerated() { for (c, col) in columns.enumerated() { if let cell = cells[r][c] { side[row, default: [:]][col] = cell } } }
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        let sidecar = Sidecar(title: title, rows: rows, columns: columns, pivot: pivot, metric: metric, cells: side,
                              bestOnValidation: bestOnValidation, notes: [protocolNote] + notes)
        try AtomicFile.write(try e.encode(sidecar), to: dir.appendingPathComponent("\(name).json"))
    }
}
