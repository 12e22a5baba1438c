import Evaluation
import Experiments
import Foundation

/// `runs.html`: every run, one row each with the columns of `csit runs` (labels, state, the
/// settings that vary, test and best-validation metrics, times). All rows are in the HTML;
/// the script adds sorting by a header click, a filter box and "compare selected".
struct RunsPage {
    var site: ReportSite

    /// The columns shown: labels, varying settings, every test metric, the best validation
    /// accuracy and macro F1, times.
    var columns: [String] {
        guard let listing = site.listing else { return [] }
        let wanted = Set(RunListing.labelColumns + listing.varyingKeys + Metric.allCases.map(\.rawValue)
                         + ["val_accuracy", "val_macro_f1"] + RunListing.timeColumns)
        return listing.availableColumns.filter(wanted.contains)
    }

    var html: String {
        let columns = columns
        var body = HTML.element("h1", [], "Runs of " + HTML.escape(site.name))
        body += HTML.element("div", [("class", "controls js-only")],
                             HTML.void("input", [("id", "filter"), ("type", "search"), ("placeholder", "filter: words or key=value, e.g. mode=ft fold=0")])
                             + " " + HTML.element("button", [("id", "compare-picked"), ("type", "button")], "Compare selected")
                             + " " + HTML.element("span", [("id", "shown-count")], ""))
        let header = [""] + columns.map(Self.header)
        let head = HTML.element("thead", [], HTML.element("tr", [], header.enumerated().map { i, h in
            HTML.element("th", [("data-col", i == 0 ? nil : columns[i - 1])], HTML.escape(h))
        }.joined()))
        let rows = site.runs.map { r -> String in
            let pick = HTML.element("td", [], HTML.void("input", [("type", "checkbox"), ("class", "pick js-only"), ("value", r.id), ("aria-label", "select \(r.id)")]))
            let cells = columns.map { c -> String in
                let value = r.row.cells[c]
                let sortKey = value.map(RunListing.raw)
                let content = c == "id" ? HTML.link(r.page, String(r.id.prefix(12)), title: r.id)
                    : HTML.escape(RunListing.shown(value, column: c))
                return HTML.element("td", [("data-v", sortKey), ("class", Self.isNumber(value) ? "num" : nil)], content)
            }
            return HTML.element("tr", [("data-run", r.id), ("class", "state-\(r.state)")], pick + cells.joined())
        }
        body += HTML.element("div", [("class", "scroll")],
                             HTML.element("table", [("id", "runs"), ("class", "runs")], head + "\n" + HTML.element("tbody", [], rows.joined(separator: "\n"))))
        body += HTML.element("p", [("class", "note")], "\(site.runs.count) runs. Metrics are the test split's; val_ columns are the best epoch's validation metrics; wall is the training time logged per epoch.")
        return HTML.page(title: "\(site.name) — runs", prefix: "", active: "Runs", body: body)
    }

    static func isNumber(_ c: RunListing.Cell?) -> Bool { if case .number? = c { return true } else { return false } }

    /// A column's header as `csit runs` prints it.
    static func header(_ c: String) -> String { c == "wall_seconds" ? "wall" : c == "images_per_second" ? "img/s" : c }
}
