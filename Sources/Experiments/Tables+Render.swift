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

    /// The row's label, marked when validation chose it or when its values are reported in
    /// the literature rather than measured.
    func label(_ row: String) -> String {
        if reportedRows.contains(row) { return "\(row) (reported)" }
        return bestOnValidation?.chosen.contains(row) == true ? "\(row) \(BestSweepPoint.mark)" : row
    }

    /// The text columns' cells of a row.
    func texts(_ row: String) -> [String] { textColumns.map { $0.values[row] ?? "" } }

    /// The corner header: the metric of a pivoted table, else what the rows are.
    var corner: String {
        if let cornerTitle { return cornerTitle }
        if let metric, let m = Metric(rawValue: metric) { return m.prose.prefix(1).uppercased() + m.prose.dropFirst() + (percent ? " (%)" : "") }
        return rowKind == "mode" ? "Mode" : rowKind
    }

    /// Markdown with a Δ column per column when references are given.
    public var markdown: String {
        let hasRef = cells.contains { $0.contains { $0?.reference != nil } }
        var header = [corner]
        for c in columns { header.append(Self.header(c)); if hasRef { header.append("Δ ref") } }
        header += textColumns.map(\.header)
        // A `|` in a row name or text column (free text in the spec) would start a new cell.
        func esc(_ cells: [String]) -> [String] { cells.map { $0.replacingOccurrences(of: "|", with: "\\|") } }
        var s = "### \(title)\n\n| " + esc(header).joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
        for (r, row) in rows.enumerated() {
            var line = [label(row)]
            for cell in cells[r] {
                guard let cell else { line.append("–"); if hasRef { line.append("") }; continue }
                line.append(text(cell))
                if hasRef { line.append(cell.reference.map { String(format: "%+.3f", (percent ? 100 : 1) * cell.mean - $0) } ?? "") }
            }
            line += texts(row)
            s += "| " + esc(line).joined(separator: " | ") + " |\n"
        }
        if !missing.isEmpty {
            s += "\n**Incomplete:** \(missing.count) planned run\(missing.count == 1 ? " has" : "s have") no test metrics "
                + "(failed, not run, or unreadable): \(missing.map { String($0.prefix(8)) }.joined(separator: ", ")).\n"
        }
        return s + "\n" + ([protocolNote] + notes).joined(separator: " ") + "\n"
    }

    public var csv: String {
        let marked = bestOnValidation.map { !$0.chosen.isEmpty } ?? false
        var header: [String] = ["row"]
        for c in columns {
            header += ["mean", "std", "n", "expected"].map { "\(c)_\($0)" }
            if hasIntervals { header += ["\(c)_low", "\(c)_high"] }
        }
        if marked { header.append("best_on_validation") }
        if !reportedRows.isEmpty { header.append("reported") }
        header += textColumns.map(\.header)
        var s = header.map(CSVField.escape).joined(separator: ",") + "\n"
        for (r, row) in rows.enumerated() {
            var fields: [String] = [CSVField.escape(row)]
            for c in cells[r] {
                fields.append(c.map { "\($0.mean),\($0.std),\($0.n),\($0.expected)" } ?? ",,,")
                if hasIntervals { fields.append(c?.interval.map { "\($0[0]),\($0[1])" } ?? ",") }
            }
            if marked { fields.append(String(bestOnValidation?.chosen.contains(row) ?? false)) }
            if !reportedRows.isEmpty { fields.append(String(reportedRows.contains(row))) }
            fields += texts(row).map(CSVField.escape)
            s += fields.joined(separator: ",") + "\n"
        }
        return s
    }

    /// Whether any cell carries an interval (the CSV then has low/high columns).
    var hasIntervals: Bool { cells.contains { $0.contains { $0?.interval != nil } } }

    /// The table as a LaTeX `tabular`: every label and header escaped (a label-fraction row
    /// `10 %` commented out the rest of its line, a sweep label's `_` broke math mode).
    public var latex: String {
        var s = "\\begin{tabular}{l" + String(repeating: "c", count: columns.count) + String(repeating: "l", count: textColumns.count) + "}\n\\hline\n"
        s += ([Self.latexEscaped(corner)] + columns.map { Self.latexEscaped(Self.header($0)).replacingOccurrences(of: "κ", with: "$\\kappa$") }
              + textColumns.map { Self.latexEscaped($0.header) })
            .joined(separator: " & ") + " \\\\\n\\hline\n"
        for (r, row) in rows.enumerated() {
            s += ([Self.latexEscaped(label(row)).replacingOccurrences(of: BestSweepPoint.mark, with: "$\\blacktriangle$")]
                  + cells[r].map { c in c.map { Self.latexEscaped(text($0)).replacingOccurrences(of: "±", with: "$\\pm$") } ?? "--" }
                  + texts(row).map(Self.latexEscaped))
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
        var reportedRows: [String]?
        var textColumns: [TextColumn]?

        enum CodingKeys: String, CodingKey {
            case title, rows, columns, pivot, metric, cells, notes
            case bestOnValidation = "best_on_validation"
            case reportedRows = "reported_rows"
            case textColumns = "text_columns"
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
                              bestOnValidation: bestOnValidation, notes: [protocolNote] + notes,
                              reportedRows: reportedRows.isEmpty ? nil : reportedRows, textColumns: textColumns.isEmpty ? nil : textColumns)
        try AtomicFile.write(try e.encode(sidecar), to: dir.appendingPathComponent("\(name).json"))
    }
}
