import Evaluation
import Foundation
import Training

extension TableSpec {
    /// One column of a table: a metric, and optionally where its runs come from (another
    /// spec) and which of them (modes, zooms, label fractions). A column written as a bare
    /// metric name (`macro_f1`) draws every run of the table's own spec.
    public struct Column: Sendable, Equatable {
        public var metric: Metric
        /// The header (and the key of `reference`, `reported` and `text_columns`); nil: the metric's.
        public var header: String?
        /// The spec file whose planned runs fill the column (nil: this spec), as written.
        public var spec: String?
        public var modes: [RunConfig.Mode]?
        public var zooms: [String]?
        public var labelFractions: [Double]?
        /// Where the column is written (for plan-time errors).
        public var location: SpecLocation

        /// How tables, references and outputs name the column.
        public var key: String { header ?? metric.rawValue }

        /// Whether the column selects runs of its own rather than every run of the spec.
        public var selects: Bool { header != nil || spec != nil || modes != nil || zooms != nil || labelFractions != nil }

        /// Whether a run's spec entry belongs to the column.
        func includes(_ l: RunLabel) -> Bool {
            (modes?.contains { $0.rawValue == l.mode } ?? true) && (zooms?.contains { $0 == (l.zoom ?? "all") } ?? true)
                && (labelFractions?.contains(l.labelFraction) ?? true)
        }

        /// `modes ssl-ft, zooms 40X` (or `every run`): what the column selects, for errors and notes.
        var selectionText: String {
            var parts: [String] = []
            if let modes { parts.append("modes " + modes.map(\.rawValue).joined(separator: ", ")) }
            if let zooms { parts.append("zooms " + zooms.joined(separator: ", ")) }
            if let f = labelFractions { parts.append("label fractions " + f.map { String(format: "%g", $0) }.joined(separator: ", ")) }
            return parts.isEmpty ? "every run" : parts.joined(separator: "; ")
        }

        init(metric: Metric, location: SpecLocation) { (self.metric, self.location) = (metric, location) }

        /// Decodes `tables[t].columns[index]`: a metric name or a mapping.
        init(_ v: SpecValue, path: String) throws {
            location = v.location
            if case .scalar = v {
                metric = try SpecReader.scalar(v, path: path, expected: SpecReader.oneOf(Metric.self), Metric.init(rawValue:))
                return
            }
            let r = SpecReader(tree: v)
            guard let m = try r.choice("metric", Metric.self) else { throw SpecError.missing(v.location, path: "\(path).metric") }
            metric = m
            header = try r.string("header")
            spec = try r.string("spec")
            modes = try r.choices("modes", RunConfig.Mode.self)
            zooms = try r.list("zooms", expected: "a magnification") { $0 }
            labelFractions = try r.list("label_fractions", expected: "a number", Double.init)
        }
    }

    /// A row of values reported in the literature (not measured): its label and its value
    /// per column key, in the table's units (×100 with `percent`).
    public struct ReportedRow: Sendable, Equatable {
        public var label: String
        public var values: [String: Double]
    }

    /// The spec files the table's columns draw from, other than its own.
    public var sourceSpecs: [String] {
        var out: [String] = []
        for c in columns { if let s = c.spec, !out.contains(s) { out.append(s) } }
        return out
    }

    /// Whether any column selects its own runs (each column is then grouped on its own).
    public var selectsPerColumn: Bool { columns.contains(where: \.selects) }

    /// What `columns`, `reported`, `text_columns`, `row_names` and `note` of a table decode to.
    struct ColumnParts {
        var columns: [Column] = []
        var reported: [ReportedRow] = []
        var textColumns: [ResultTable.TextColumn] = []
        var rowNames: [String: String] = [:]
        var note: String?
    }

    /// Decodes `columns`, `reported`, `text_columns`, `row_names` and `note` of a table entry,
    /// checking that every column key is unique and every per-column entry names a column.
    ///
    /// - Throws: `SpecError` at the entry that names no column, or at a repeated column key.
    static func columnParts(_ r: SpecReader, at: String) throws -> ColumnParts {
        var out = ColumnParts()
        let columns = try (r.value("columns")?.sequenceItems ?? []).enumerated().map { try Column($1, path: "\(at).columns[\($0)]") }
        let keys = columns.map(\.key)
        for (j, c) in columns.enumerated() where keys[..<j].contains(c.key) {
            throw SpecError.range(c.location, path: "\(at).columns[\(j)]", value: c.key,
                                  expected: "a column no other column names (give each a header)")
        }
        func checkColumn(_ column: String, _ v: SpecValue, _ path: String) throws {
            guard keys.contains(column) else {
                throw SpecError.range(v.location, path: path, value: column, expected: "a column of the table (" + keys.joined(separator: ", ") + ")")
            }
        }
        out.columns = columns
        for (row, values) in r.value("reported")?.pairs ?? [] {
            var reported = ReportedRow(label: row, values: [:])
            for (column, v) in values.pairs {
                let path = "\(at).reported.\(row).\(column)"
                try checkColumn(column, v, path)
                reported.values[column] = try SpecReader.scalar(v, path: path, expected: "a number", Double.init)
            }
            out.reported.append(reported)
        }
        for (header, values) in r.value("text_columns")?.pairs ?? [] {
            if keys.contains(header), let v = r.value("text_columns.\(header)") {
                throw SpecError.range(v.location, path: "\(at).text_columns.\(header)", value: header, expected: "a header no metric column has")
            }
            out.textColumns.append(ResultTable.TextColumn(header: header, values: Dictionary(
                try values.pairs.map { ($0.key, try SpecReader.scalar($0.value, path: "\(at).text_columns.\(header).\($0.key)", expected: "text") { $0 }) },
                uniquingKeysWith: { a, _ in a })))
        }
        out.rowNames = Dictionary(try (r.value("row_names")?.pairs ?? []).map {
            ($0.key, try SpecReader.scalar($0.value, path: "\(at).row_names.\($0.key)", expected: "a row label") { $0 })
        }, uniquingKeysWith: { a, _ in a })
        out.note = try r.string("note")
        return out
    }
}
