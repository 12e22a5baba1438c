import Experiments
import Foundation

/// `compare.html`: runs' curves overlaid (training loss and its parts, validation metrics,
/// learning rate) and what `csit diff` shows for them: the settings that differ and each
/// metric with its difference to the first run shown. Without the script every run is
/// shown; with it, checkboxes (or `?runs=id,id` from a table cell or the runs page) choose.
struct ComparePage {
    var site: ReportSite

    var html: String {
        var body = HTML.element("h1", [], "Compare runs of " + HTML.escape(site.name))
        body += HTML.element("p", [("class", "note")], "Every run is drawn; with JavaScript on, the boxes choose which (links from table cells preselect their runs).")
        body += HTML.element("ul", [("class", "picker")], site.runs.enumerated().map { i, r in
            let color = LineChart.palette[i % LineChart.palette.count]
            // Past the palette the charts dash the line; the swatch says so with a border.
            let style = "background:\(color)" + (i >= LineChart.palette.count ? ";outline:2px dashed #fff;outline-offset:-4px" : "")
            return HTML.element("li", [("data-run", r.id)],
                                HTML.element("label", [], HTML.void("input", [("type", "checkbox"), ("class", "pick js-only"), ("value", r.id), ("checked", "")])
                                             + " " + HTML.element("span", [("class", "swatch"), ("style", style)], ""))
                                + " " + HTML.link(r.page, r.label) + " " + HTML.element("code", [], HTML.escape(String(r.id.prefix(12)))))
        }.joined(separator: "\n"))
        let charts = RunCharts.overlaid(site.runs)
        body += HTML.element("h2", [], "Curves")
        body += charts.isEmpty ? HTML.element("p", [], "No run has logged an epoch yet.")
            : HTML.element("div", [("class", "charts")], charts.map(\.svg).joined(separator: "\n"))
        body += diff()
        return HTML.page(title: "\(site.name) — compare", prefix: "", active: "Compare", body: body)
    }

    /// The comparison `csit diff` prints for the runs, one column per run.
    func diff() -> String {
        var sides: [Diff.Side] = []
        var ids: [String] = []
        for r in site.runs {
            guard var side = try? Diff.load(site.resultsDir.appendingPathComponent("runs/\(r.id)").path) else { continue }
            side.name = r.label
            sides.append(side)
            ids.append(r.id)
        }
        guard !sides.isEmpty, let c = try? Diff.compare(sides) else { return "" }
        func heads(_ first: String) -> String {
            HTML.element("tr", [], HTML.element("th", [], HTML.escape(first)) + zip(ids, sides).map { id, s in
                HTML.element("th", [("data-run", id)], HTML.link("runs/\(id).html", s.name, title: id))
            }.joined())
        }
        var s = HTML.element("h2", [], "Configuration differences")
        if c.configuration.isEmpty {
            s += HTML.element("p", [], "none (besides data paths, folds and seeds)")
        } else {
            let rows = c.configuration.map { set in
                HTML.element("tr", [], HTML.element("th", [("scope", "row")], HTML.escape(set.key)) + zip(ids, set.values).map { id, v in
                    HTML.element("td", [("data-run", id)], HTML.escape(v))
                }.joined())
            }
            s += HTML.element("div", [("class", "scroll")], HTML.element("table", [("class", "diff")], heads("key") + rows.joined(separator: "\n")))
        }
        s += HTML.element("h2", [], "Metrics")
        s += HTML.element("p", [("class", "note")], "Test metrics; below each value its difference to the first run shown (as csit diff, which compares against its first argument).")
        let rows = c.runs.map { row in
            HTML.element("tr", [("class", "metric-row")], HTML.element("th", [("scope", "row")], HTML.escape(RunCharts.metricName(row.metric)))
                         + zip(ids, row.values.indices).map { id, i -> String in
                             let delta = i == 0 ? nil : row.deltas[i - 1]
                             return HTML.element("td", [("data-run", id), ("data-v", row.values[i].map { String($0) }), ("class", "num")],
                                                 HTML.number(row.values[i]) + HTML.element("span", [("class", "delta")], delta.map { String(format: "%+.4f", $0) } ?? ""))
                         }.joined())
        }
        s += HTML.element("div", [("class", "scroll")], HTML.element("table", [("class", "diff")], heads("metric") + rows.joined(separator: "\n")))
        return s
    }
}
