import Evaluation
import Foundation
import Training

/// `runs/<id>.html`: one run: its labels and files, test metrics with class names, the
/// confusion matrix, ROC curves, per-epoch curves, the SSL reconstruction grid of each
/// epoch, the configuration and the provenance.
struct RunPage {
    var run: RunRecord
    var site: ReportSite

    /// The run folder's files, relative to this page.
    var folder: String { "../../runs/\(run.id)/" }

    var html: String {
        let r = run
        var body = HTML.element("h1", [], HTML.escape(r.label.isEmpty ? r.id : r.label))
        body += HTML.element("p", [("class", "summary")],
                             "Run " + HTML.element("code", [], HTML.escape(r.id)) + " · state " + HTML.element("strong", [("class", "state-\(r.state)")], HTML.escape(r.state))
                             + " · " + HTML.link("../compare.html?runs=\(r.id)", "compare with others"))
        body += HTML.element("p", [("class", "files")], "Files: " + r.files.map { HTML.link(folder + $0, $0) }.joined(separator: " · "))
        if let m = r.metrics { body += metrics(m) }
        if let roc = RunCharts.roc(r) { body += HTML.element("h2", [], "ROC") + HTML.element("div", [("class", "charts")], roc.svg) }
        let curves = RunCharts.curves(r)
        if !curves.isEmpty {
            body += HTML.element("h2", [], "Per-epoch curves")
                + HTML.element("div", [("class", "charts")], curves.map(\.svg).joined(separator: "\n"))
        }
        if !r.reconstructions.isEmpty {
            body += HTML.element("h2", [], "SSL reconstructions")
            body += HTML.element("p", [("class", "note")], "Each grid: the corrupted input, the reconstruction and the original of the same tiles, after the epoch named.")
            body += HTML.element("div", [("class", "grids")], r.reconstructions.map { f in
                let epoch = Int(f.dropFirst("reconstruction_epoch".count).prefix { $0.isNumber }).map { "epoch \($0)" } ?? f
                return HTML.element("figure", [], HTML.void("img", [("src", folder + f), ("alt", "reconstructions after \(epoch)")])
                                    + HTML.element("figcaption", [], HTML.escape(epoch)))
            }.joined(separator: "\n"))
        }
        body += HTML.element("h2", [], "Configuration")
        body += HTML.table(header: ["key", "value"], rows: r.config.settingTexts.sorted { $0.key < $1.key }.map { [HTML.escape($0.key), HTML.escape($0.value)] },
                           attributes: [("class", "kv")])
        let provenance = Self.flattened(site.resultsDir.appendingPathComponent("runs/\(r.id)/provenance.json"))
        if !provenance.isEmpty {
            body += HTML.element("h2", [], "Provenance")
            body += HTML.table(header: ["key", "value"], rows: provenance.map { [HTML.escape($0.0), HTML.escape($0.1)] }, attributes: [("class", "kv")])
        }
        return HTML.page(title: "\(site.name) — \(r.label) (\(r.id.prefix(12)))", prefix: "../", active: "Runs", body: body)
    }

    /// Test metrics, per-class scores and the confusion matrix, with class names.
    func metrics(_ m: ClassificationMetrics) -> String {
        var s = HTML.element("h2", [], "Test metrics")
        let summary = Metric.allCases.compactMap { k in m.summaryValues[k.rawValue].map { (k.tableHeader, $0) } }
        s += HTML.table(header: summary.map(\.0), rows: [summary.map { HTML.number($0.1) }], attributes: [("class", "metrics")])
        s += HTML.element("p", [("class", "note")], "\(m.count) test images.")
        s += HTML.element("h2", [], "Per class")
        s += HTML.table(header: ["class", "precision", "recall", "F1", "support"], rows: m.classes.indices.map { i in
            [HTML.escape(m.classes[i]), HTML.number(m.perClassPrecision[safe: i]), HTML.number(m.perClassRecall[safe: i]),
             HTML.number(m.perClassF1[safe: i]), m.perClassSupport[safe: i].map { String($0) } ?? "–"]
        }, attributes: [("class", "metrics perclass")])
        s += HTML.element("h2", [], "Confusion matrix")
        s += Self.confusion(m)
        return s
    }

    /// The confusion matrix as a heatmap table: rows the true class, columns the predicted
    /// one, each cell's shade its share of the row (recall on the diagonal).
    static func confusion(_ m: ClassificationMetrics) -> String {
        let head = HTML.element("tr", [], HTML.element("th", [("class", "corner")], "true ↓ / predicted →")
                                + m.classes.map { HTML.element("th", [("class", "pred")], HTML.escape($0)) }.joined())
        let rows = m.confusion.enumerated().map { i, row -> String in
            let total = max(1, row.reduce(0, +))
            let cells = row.enumerated().map { j, n -> String in
                let share = Double(n) / Double(total)
                let style = String(format: "background:rgba(0,114,178,%.3f)", share) + (share > 0.55 ? ";color:#fff" : "")
                return HTML.element("td", [("style", style), ("class", i == j ? "diag" : nil), ("title", String(format: "%.1f %% of %@", share * 100, m.classes[safe: i] ?? ""))], String(n))
            }
            return HTML.element("tr", [], HTML.element("th", [("scope", "row")], HTML.escape(m.classes[safe: i] ?? "\(i)")) + cells.joined())
        }
        return HTML.element("div", [("class", "scroll")], HTML.element("table", [("class", "confusion")], head + rows.joined()))
    }

    /// A JSON file's leaves as dotted keys and text values, sorted by key (empty when the
    /// file does not read).
    static func flattened(_ url: URL) -> [(String, String)] {
        guard let data = try? Data(contentsOf: url), let obj = try? JSONSerialization.jsonObject(with: data) else { return [] }
        var out: [(String, String)] = []
        func walk(_ v: Any, _ key: String) {
            switch v {
            case let d as [String: Any]: for k in d.keys.sorted() { walk(d[k]!, key.isEmpty ? k : "\(key).\(k)") }
            case let a as [Any] where a.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }): out.append((key, a.map { "\($0)" }.joined(separator: ", ")))
            case let a as [Any]: for (i, x) in a.enumerated() { walk(x, "\(key)[\(i)]") }
            case is NSNull: out.append((key, "null"))
            default: out.append((key, "\(v)"))
            }
        }
        walk(obj, "")
        return out
    }
}

extension Array {
    /// The element at `i`, nil outside the array.
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
