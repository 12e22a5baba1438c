import Foundation

/// One results table as the report shows it: the cells' text exactly as `<name>.md` prints
/// them, and per cell the runs behind it (from the `<name>.json` sidecar).
public struct ReportTable: Equatable, Sendable {
    /// The file stem (`demo` for `demo.md` and `demo.json`).
    public var name: String
    public var title: String
    /// The Markdown table's header cells.
    public var header: [String]
    /// The body cells' text, row by row (the row label first).
    public var rows: [[String]]
    /// runs[row][column]: the run ids behind a body cell (empty for labels, Δ and text columns).
    public var runs: [[[String]]]
    /// The lines after the table (protocol notes, footnotes).
    public var notes: [String]

    /// What the sidecar says (only what the report needs).
    struct Sidecar: Decodable {
        struct Cell: Decodable { var runs: [String] }
        struct TextColumn: Decodable { var header: String }
        var title: String
        var rows: [String]
        var columns: [String]
        var cells: [String: [String: Cell]]
        var textColumns: [TextColumn]?
        enum CodingKeys: String, CodingKey {
            case title, rows, columns, cells
            case textColumns = "text_columns"
        }
    }

    /// The table of `<dir>/<name>.md` and `<name>.json`.
    ///
    /// - Throws: `ReportError` naming the file when either does not read as a csit table.
    public static func load(name: String, in dir: URL) throws -> ReportTable {
        let mdURL = dir.appendingPathComponent("\(name).md"), jsonURL = dir.appendingPathComponent("\(name).json")
        guard let md = try? String(contentsOf: mdURL, encoding: .utf8) else {
            throw ReportError("\(mdURL.path): cannot read the table's Markdown")
        }
        guard let json = try? Data(contentsOf: jsonURL) else { throw ReportError("\(jsonURL.path): cannot read the table's sidecar JSON") }
        return try make(name: name, markdown: md, sidecar: json, paths: (mdURL.path, jsonURL.path))
    }

    /// Pairs the Markdown's cells with the sidecar's runs, row by row and column by column.
    ///
    /// - Parameter paths: the two files' names for errors.
    /// - Throws: `ReportError` naming the file that does not read as a csit table.
    public static func make(name: String, markdown: String, sidecar json: Data, paths: (markdown: String, sidecar: String)) throws -> ReportTable {
        let side: Sidecar
        do { side = try JSONDecoder().decode(Sidecar.self, from: json) } catch {
            throw ReportError("\(paths.sidecar): not a csit table sidecar (expected keys title, rows, columns, cells)")
        }
        let path = paths.markdown
        let lines = markdown.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("|") }) else {
            throw ReportError("\(path): no Markdown table (a line starting with '|')")
        }
        let end = lines[start...].firstIndex { !$0.hasPrefix("|") } ?? lines.count
        let tableLines = Array(lines[start..<end])
        guard tableLines.count >= 2 else { throw ReportError("\(path): a table needs a header and a separator line") }
        let header = cells(tableLines[0])
        let body = tableLines.dropFirst(2).map(cells)
        guard body.count == side.rows.count else {
            throw ReportError("\(path): \(body.count) table rows, its sidecar JSON lists \(side.rows.count)")
        }
        // A row of another width would pair its cells with the wrong columns' runs.
        if let r = body.firstIndex(where: { $0.count != header.count }) {
            throw ReportError("\(path): row \(r + 1) has \(body[r].count) cells, the header \(header.count) (an unescaped '|'?)")
        }
        // With references every metric column is followed by its Δ ref column.
        let textCount = side.textColumns?.count ?? 0
        let withDelta = header.count - 1 - textCount == 2 * side.columns.count && !side.columns.isEmpty
        var columnOf: [Int: String] = [:]
        for (j, c) in side.columns.enumerated() { columnOf[1 + (withDelta ? 2 * j : j)] = c }
        let runs = body.enumerated().map { r, cellsOfRow in
            cellsOfRow.indices.map { c in columnOf[c].flatMap { side.cells[side.rows[r]]?[$0]?.runs } ?? [] }
        }
        let notes = lines[end...].map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return ReportTable(name: name, title: side.title, header: header, rows: body, runs: runs, notes: notes)
    }

    /// The cells of a Markdown table line (`| a | b \\| c |` → `["a", "b | c"]`), trimmed; an
    /// escaped `\\|` stays inside its cell.
    public static func cells(_ line: String) -> [String] {
        var s = line.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("|") { s.removeFirst() }
        if s.hasSuffix("|") && !s.hasSuffix("\\|") { s.removeLast() }
        var out: [String] = [], current = "", escaped = false
        for ch in s {
            if escaped { current.append(ch == "|" ? "|" : "\\"); if ch != "|" { current.append(ch) }; escaped = false }
            else if ch == "\\" { escaped = true }
            else if ch == "|" { out.append(current); current = "" }
            else { current.append(ch) }
        }
        if escaped { current.append("\\") }
        out.append(current)
        return out.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// The tables of a results folder: every `<name>.json` sidecar with a `<name>.md` beside
    /// it, by name. Files that are not table sidecars (`plan.json`) are passed over; a pair
    /// that does not read is named in `problems`.
    public static func loadAll(in dir: URL) -> (tables: [ReportTable], problems: [String]) {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
        var tables: [ReportTable] = [], problems: [String] = []
        for f in files where f.hasSuffix(".json") && files.contains(String(f.dropLast(5)) + ".md") {
            do { tables.append(try load(name: String(f.dropLast(5)), in: dir)) } catch { problems.append("\(error)") }
        }
        return (tables, problems)
    }
}

/// Why a report cannot be written: one line naming the file or folder and what was expected.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
