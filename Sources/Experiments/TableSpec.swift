import Evaluation
import Foundation
import Training

/// One entry of a spec's `tables:`, decoded once: which runs make the rows, which metrics
/// the columns, and how cells are printed.
public struct TableSpec: Sendable, Equatable {
    /// What a row groups runs by.
    public enum Rows: String, CaseIterable, Sendable {
        case mode, zoom
        case labelFraction = "label_fraction"
        case sweep
    }

    /// What cells of a single run show beside the value.
    public enum Intervals: String, CaseIterable, Sendable {
        /// Nothing (the default).
        case none
        /// The run's 95 % percentile-bootstrap interval over its test images (`93.0 [92.4, 93.6]`).
        case bootstrap
    }

    /// File stem of the table's outputs (`<name>.md`, `.csv`, `.tex`, `.json`).
    public var name: String
    public var title: String?
    public var rows: Rows
    /// Pivots this label dimension onto the columns (one column per value, then a Mean
    /// column); the table then has exactly one metric.
    public var columnsBy: Rows?
    /// The columns: a metric each, over every run of the spec, or over the runs a column
    /// selects (of this spec or another: `TableSpec.Column`).
    public var columns: [Column]
    /// What single-run cells show beside the value.
    public var intervals: Intervals
    /// A `printf` format for one number (`%.3f`).
    public var format: String
    /// Whether values print ×100.
    public var percent: Bool
    /// Only runs of these modes (nil: every downstream mode).
    public var modes: [RunConfig.Mode]?
    /// Published values per row label and column (a metric name, or with `columns_by` a
    /// value of that dimension or `Mean`), shown with a Δ column.
    public var reference: [String: [String: Double]]
    /// Rows of values reported in the literature, shown before the measured rows and marked.
    public var reported: [ReportedRow] = []
    /// Columns of text per row label (a backbone, a citation), after the metric columns.
    public var textColumns: [ResultTable.TextColumn] = []
    /// New labels for measured rows (`SSL+FT` → `cSiT`), applied before references.
    public var rowNames: [String: String] = [:]
    /// A footnote of the spec's own (where reported values come from, what was scaled down).
    public var note: String?
    /// The corner header (default: what the rows are, or a pivot's metric).
    public var corner: String?

    /// The table a spec without `tables:` gets: rows by mode, every general metric.
    static let byMode = TableSpec(name: "main", title: nil, rows: .mode, columnsBy: nil,
                                  columns: Metric.general.map { Column(metric: $0, location: SpecLocation(file: "", line: 0, column: 0)) }, intervals: .none,
                                  format: "%.3f", percent: false, modes: nil, reference: [:])

    /// The reference key of a pivoted table's Mean column.
    public static let meanColumn = "Mean"

    /// Decodes `tables[index]` of a validated spec.
    ///
    /// - Throws: `SpecError` for a name that is not a plain file name, a format that is not
    ///   one `printf` conversion of a number, a reference to an unknown metric or column, a
    ///   pivot (`columns_by`) with several metric columns, on the rows' own dimension or
    ///   beside columns that select their runs.
    init(_ v: SpecValue, index: Int) throws {
        let r = SpecReader(tree: v), at = "tables[\(index)]"
        func key(_ k: String) -> String { "\(at).\(k)" }
        name = try r.string("name") ?? (index == 0 ? "main" : "table\(index + 1)")
        if let n = r.value("name"), !Self.isPlainFileName(name) {
            throw SpecError.range(n.location, path: key("name"), value: name, expected: "a file name (no '/', not starting with '.')")
        }
        title = try r.string("title")
        rows = try r.choice("rows", Rows.self) ?? .mode
        let parts = try Self.columnParts(r, at: at)
        (columns, reported, textColumns, rowNames, note) = (parts.columns, parts.reported, parts.textColumns, parts.rowNames, parts.note)
        corner = try r.string("corner")
        columnsBy = try r.choice("columns_by", Rows.self)
        intervals = try r.choice("intervals", Intervals.self) ?? TableSpec.Intervals.none
        if let by = columnsBy {
            if columns.count != 1, let c = r.value("columns") {
                throw SpecError.range(c.location, path: key("columns"), value: columns.map(\.key).joined(separator: ", "),
                                      expected: "one metric: columns_by: \(by.rawValue) puts the \(by.rawValue) values in the columns")
            }
            if by == rows, let v = r.value("columns_by") {
                throw SpecError.range(v.location, path: key("columns_by"), value: by.rawValue,
                                      expected: "a dimension other than the rows' (rows: \(rows.rawValue))")
            }
            if let c = columns.first(where: \.selects), let v = r.value("columns_by") {
                throw SpecError.range(v.location, path: key("columns_by"), value: by.rawValue,
                                      expected: "no pivot: column \(c.key) selects its own runs (at \(c.location))")
            }
        }
        format = try r.string("format") ?? "%.3f"
        if let f = r.value("format"), !Self.isNumberFormat(format) {
            throw SpecError.range(f.location, path: key("format"), value: format, expected: "one printf conversion of a number, such as %.3f or %.1f")
        }
        percent = try r.bool("percent") ?? false
        modes = try r.choices("modes", RunConfig.Mode.self)
        reference = [:]
        let perColumn = columns.contains(where: \.selects)
        for (row, values) in r.value("reference")?.pairs ?? [] {
            for (column, value) in values.pairs {
                let path = key("reference.\(row).\(column)")
                if perColumn, !columns.contains(where: { $0.key == column }) {
                    throw SpecError.range(value.location, path: path, value: column,
                                          expected: "a column of the table (" + columns.map(\.key).joined(separator: ", ") + ")")
                }
                // A pivot's columns are checked against the dimension's values with the plan.
                guard columnsBy != nil || perColumn || Metric(rawValue: column) != nil else {
                    throw SpecError.range(value.location, path: path, value: column, expected: SpecReader.oneOf(Metric.self))
                }
                reference[row, default: [:]][column] = try SpecReader.scalar(value, path: path, expected: "a number", Double.init)
            }
        }
    }

    init(name: String, title: String?, rows: Rows, columnsBy: Rows?, columns: [Column], intervals: Intervals, format: String, percent: Bool,
         modes: [RunConfig.Mode]?, reference: [String: [String: Double]]) {
        (self.name, self.title, self.rows, self.columnsBy, self.columns, self.intervals) = (name, title, rows, columnsBy, columns, intervals)
        (self.format, self.percent, self.modes, self.reference) = (format, percent, modes, reference)
    }

    /// A name that stays one file inside the results folder: no path separator, no leading
    /// dot (`..`, hidden files), no control characters.
    static func isPlainFileName(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && s.count <= 128
            && !s.unicodeScalars.contains { $0 == "/" || $0 == "\\" || CharacterSet.controlCharacters.contains($0) }
    }

    /// One `%[flags][width][.precision](f|e|g|F|E|G)` (width and precision up to 99) with any literal text around it (`%%`
    /// allowed): anything else would make `String(format:)` read an argument it was not given.
    static func isNumberFormat(_ s: String) -> Bool {
        var conversions = 0
        var i = s.startIndex
        while i < s.endIndex {
            guard s[i] == "%" else { i = s.index(after: i); continue }
            var j = s.index(after: i)
            if j < s.endIndex, s[j] == "%" { i = s.index(after: j); continue }
            while j < s.endIndex, "-+ #0".contains(s[j]) { j = s.index(after: j) }
            // Width and precision of at most two digits: `%99999999f` would print megabytes.
            func digits() -> Bool {
                var n = 0
                while j < s.endIndex, s[j].isASCII, s[j].isNumber { j = s.index(after: j); n += 1 }
                return n <= 2
            }
            guard digits() else { return false }
            if j < s.endIndex, s[j] == "." {
                j = s.index(after: j)
                guard digits() else { return false }
            }
            guard j < s.endIndex, "feEgGF".contains(s[j]) else { return false }
            conversions += 1
            i = s.index(after: j)
        }
        return conversions == 1 && s.count <= 32
    }
}
