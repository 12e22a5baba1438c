import Foundation

/// A predictions CSV: a `label` (index) or `label_name` column and one `prob_*` column per
/// class (`prob_0`, `prob_1`, … or `prob_<class name>`); other columns are ignored.
public struct PredictionsFile: Sendable {
    public var classes: [String]
    public var labels: [Int]
    public var probabilities: [[Double]]

    /// Parses `text` (RFC 4180 quoting allowed).
    ///
    /// - Throws: `PredictionsError` naming the file, line and column.
    public init(csv text: String, path: String = "predictions.csv") throws {
        let rows = CSVReader.parse(text)
        guard let header = rows.first else { throw PredictionsError.empty(path) }
        let probCols = header.indices.filter { header[$0].hasPrefix("prob_") }
        guard !probCols.isEmpty else { throw PredictionsError.missingColumn(path, "prob_*") }
        let names = probCols.map { String(header[$0].dropFirst(5)) }
        if let twice = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
            throw PredictionsError.badRow(path, line: 1, reason: "column prob_\(twice) appears twice")
        }
        let numeric = names.enumerated().allSatisfy { Int($0.element) == $0.offset }
        classes = names
        let labelCol = header.firstIndex(of: "label"), nameCol = header.firstIndex(of: "label_name")
        guard labelCol != nil || nameCol != nil else { throw PredictionsError.missingColumn(path, "label or label_name") }
        labels = []
        probabilities = []
        for (i, row) in rows.dropFirst().enumerated() where !(row.count == 1 && row[0].isEmpty) {
            let line = i + 2
            guard row.count == header.count else {
                throw PredictionsError.badRow(path, line: line, reason: "\(row.count) fields, header has \(header.count)")
            }
            var label: Int?
            if let c = nameCol, !numeric || labelCol == nil { label = names.firstIndex(of: row[c]) }
            if let c = labelCol, let byIndex = Int(row[c]) {
                // Both columns must say the same class (label 0 beside label_name B was read as B).
                if let byName = label, byName != byIndex {
                    throw PredictionsError.badRow(path, line: line, reason: "label \(byIndex) and label_name '\(row[nameCol!])' name different classes")
                }
                label = label ?? byIndex
            }
            guard let y = label, y >= 0, y < names.count else {
                throw PredictionsError.badRow(path, line: line, reason: "label '\(row[labelCol ?? nameCol!])' is not one of the \(names.count) classes")
            }
            let p = try probCols.map { c -> Double in
                guard let v = Double(row[c]), v.isFinite else {
                    throw PredictionsError.badRow(path, line: line, reason: "\(header[c]) = '\(row[c])' is not a number")
                }
                return v
            }
            labels.append(y)
            probabilities.append(p)
        }
        guard !labels.isEmpty else { throw PredictionsError.empty(path) }
    }

    /// Reads a file.
    public init(contentsOf url: URL) throws {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) }
        catch { throw PredictionsError.unreadable(url.path, error.localizedDescription) }
        try self.init(csv: text, path: url.path)
    }
}

/// A predictions file that cannot be used.
public enum PredictionsError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case empty(String)
    case missingColumn(String, String)
    case badRow(String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "\(p): cannot read: \(r)"
        case .empty(let p): return "\(p): no prediction rows"
        case let .missingColumn(p, c): return "\(p): missing column \(c); expected a label or label_name column and prob_* columns"
        case let .badRow(p, l, r): return "\(p):\(l): \(r)"
        }
    }
}

/// Minimal RFC 4180 reader.
public enum CSVReader {
    public static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false
        var it = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? { if let p = pending { pending = nil; return p }; return it.next() }
        while let ch = next() {
            if quoted {
                if ch == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { field.unicodeScalars.append(ch) }
            } else if ch == "\"" { quoted = true }
            else if ch == "," { row.append(field); field = "" }
            else if ch == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else if ch != "\r" { field.unicodeScalars.append(ch) }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
