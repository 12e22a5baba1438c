import Foundation

/// `index.html`: the experiment's tables, each cell linking to the runs behind it, and a
/// count of runs by state.
public struct IndexPage {
    public var site: ReportSite

    public init(site: ReportSite) { self.site = site }

    /// The page's HTML.
    public var html: String {
        var body = HTML.element("h1", [], HTML.escape(site.name))
        if !site.runs.isEmpty {
            var states: [String: Int] = [:]
            for r in site.runs { states[r.state, default: 0] += 1 }
            let parts = states.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            body += HTML.element("p", [("class", "summary")],
                                 "\(site.runs.count) run\(site.runs.count == 1 ? "" : "s") (\(HTML.escape(parts))): "
                                 + HTML.link("runs.html", "list and filter them") + ", " + HTML.link("compare.html", "compare their curves") + ".")
        }
        if site.tables.isEmpty { body += HTML.element("p", [], "No tables yet: csit run writes them when its runs finish.") }
        for p in site.problems { body += HTML.element("p", [("class", "problem")], HTML.escape(p)) }
        for t in site.tables { body += "\n" + section(t) }
        return HTML.page(title: "\(site.name) — tables", prefix: "", active: "Tables", body: body)
    }

    /// One table: its title, the cells (linked to their runs), its notes and its files.
    func section(_ t: ReportTable) -> String {
        var s = HTML.element("h2", [("id", "table-" + HTML.slug(t.name))], HTML.escape(t.title))
        let head = HTML.element("thead", [], HTML.element("tr", [], t.header.map { HTML.element("th", [], HTML.escape($0)) }.joined()))
        let body = t.rows.enumerated().map { r, row in
            HTML.element("tr", [], row.enumerated().map { c, text in cell(text, runs: t.runs[r][c], isLabel: c == 0) }.joined())
        }.joined(separator: "\n")
        s += HTML.element("div", [("class", "scroll")],
                          HTML.element("table", [("class", "results"), ("data-table", t.name)], head + "\n" + HTML.element("tbody", [], body)))
        for n in t.notes { s += HTML.element("p", [("class", "note")], HTML.inlineMarkdown(n)) }
        let files = ["md", "csv", "tex", "json"].map { "\(t.name).\($0)" }
            .filter { FileManager.default.fileExists(atPath: site.resultsDir.appendingPathComponent($0).path) }
        if !files.isEmpty {
            s += HTML.element("p", [("class", "files")], "Files: " + files.map { HTML.link(HTML.path("../\($0)"), $0) }.joined(separator: " · "))
        }
        return s
    }

    /// A body cell: its text (a link to its run, or to the compare page with its runs), then
    /// one small link per run.
    public func cell(_ text: String, runs ids: [String], isLabel: Bool) -> String {
        if isLabel { return HTML.element("th", [("scope", "row")], HTML.element("span", [("class", "v")], HTML.escape(text))) }
        let known = ids.compactMap { site.run($0) }
        guard !known.isEmpty else {
            let gone = ids.isEmpty ? "" : HTML.element("span", [("class", "runs missing")], "\(ids.count) of \(ids.count) runs not in runs/")
            return HTML.element("td", [], HTML.element("span", [("class", "v")], HTML.escape(text)) + gone)
        }
        let target = known.count == 1 ? known[0].page : "compare.html?runs=" + known.map(\.id).joined(separator: ",")
        let title = known.map(\.label).joined(separator: "; ")
        var s = HTML.element("a", [("class", "v"), ("href", target), ("title", title)], HTML.escape(text))
        // A run folder deleted since the table was written: the cell still says it had it.
        if known.count < ids.count {
            s += HTML.element("span", [("class", "runs missing")], "\(ids.count - known.count) of \(ids.count) runs not in runs/")
        }
        if known.count > 1 {
            s += HTML.element("span", [("class", "runs")], known.enumerated().map { i, r in
                HTML.link(r.page, "\(i + 1)", title: r.label)
            }.joined(separator: " "))
        }
        return HTML.element("td", [], s)
    }
}
