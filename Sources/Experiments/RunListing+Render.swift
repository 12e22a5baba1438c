import Foundation
import Evaluation
import HistoData

extension RunListing {
    /// The output formats of `csit runs --format`.
    public enum Format: String, CaseIterable, Sendable {
        /// Aligned text columns.
        case table
        /// One row per run, raw values.
        case csv
        /// An array of objects, one per run (null where a run has no value).
        case json
    }

    /// The listing's `columns` in `format`.
    public func rendered(_ format: Format, columns: [String]) throws -> String {
        switch format {
        case .table: return table(columns)
        case .csv:
            let lines = [columns.map(CSVField.escape).joined(separator: ",")]
                + rows.map { r in columns.map { c in r.cells[c].map(Self.raw).map(CSVField.escape) ?? "" }.joined(separator: ",") }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            let objects = rows.map { r -> [String: Any] in
                var o: [String: Any] = [:]
                for c in columns {
                    switch r.cells[c] {
                    case .text(let t)?: o[c] = t
                    case .number(let n)?: o[c] = n.isFinite ? n : nil
                    case nil: o[c] = NSNull()
                    }
                }
                return o
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    /// A cell's raw text: whole numbers without a decimal point, others as Swift prints them.
    public static func raw(_ c: Cell) -> String {
        switch c {
        case .text(let t): return t
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int(n)) : String(n)
        }
    }

    /// A cell as the table prints it: metrics to 4 decimals, times readable.
    public static func shown(_ c: Cell?, column: String) -> String {
        guard let c else { return "–" }
        guard case .number(let n) = c else { return raw(c) }
        switch column {
        case "wall_seconds":
            let s = Int(n.rounded())
            return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s % 3600 / 60))m" : "\(s / 60)m\(String(format: "%02d", s % 60))s"
        case "images_per_second": return String(format: "%.1f", n)
        case _ where column.hasPrefix("val_") || Metric.allCases.contains { $0.rawValue == column }: return String(format: "%.4f", n)
        default: return raw(c)
        }
    }

    /// Aligned text columns with a header; ids cut to 12 characters (unique in practice).
    func table(_ columns: [String]) -> String {
        let header = columns.map { $0 == "wall_seconds" ? "wall" : $0 == "images_per_second" ? "img/s" : $0 }
        let body = rows.map { r in columns.map { c in c == "id" ? String(r.id.prefix(12)) : Self.shown(r.cells[c], column: c) } }
        let widths = columns.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, s in s.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + body.map(line)).joined(separator: "\n") + "\n\(rows.count) run\(rows.count == 1 ? "" : "s")\n"
    }
}
