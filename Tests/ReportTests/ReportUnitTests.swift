import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import Report

/// Escaping, chart geometry from known numbers, and Markdown cells paired with their runs.
final class ReportUnitTests: XCTestCase {
    func testEscapingCoversTextAndAttributes() {
        XCTAssertEqual(HTML.escape(#"<b a="1">Tom & Jerry's</b>"#), "&lt;b a=&quot;1&quot;&gt;Tom &amp; Jerry&#39;s&lt;/b&gt;")
        XCTAssertEqual(HTML.element("a", [("href", "x?a=1&b=\"2\""), ("title", nil)], HTML.escape("<x>")),
                       #"<a href="x?a=1&amp;b=&quot;2&quot;">&lt;x&gt;</a>"#)
        XCTAssertEqual(HTML.number(nil), "–")
        XCTAssertEqual(HTML.number(.nan), "–")
        XCTAssertEqual(HTML.number(0.98765), "0.9877")
    }

    func testLineChartPlacesKnownPointsAndTicks() {
        var chart = LineChart(title: "t <1>", xLabel: "epoch", yLabel: "loss",
                              series: [.init(name: "a", points: [(1, 0), (2, 1)], run: "r1"), .init(name: "b", points: [(1, 0.5)])])
        chart.xRange = (1, 2)
        chart.yRange = (0, 1)
        let svg = chart.svg
        // Plot area: x 62…440, y 30…294 (640 × 340 less the margins).
        XCTAssertTrue(svg.contains(#"<polyline points="62.00,294.00 440.00,30.00""#), svg)
        XCTAssertTrue(svg.contains(#"<circle cx="62.00" cy="162.00""#), "a single point is a circle: \(svg)")
        XCTAssertTrue(svg.contains(#"<g class="series" data-run="r1">"#))
        for tick in ["0", "0.2", "0.4", "0.6", "0.8", "1.0"] { XCTAssertTrue(svg.contains(">\(tick)</text>"), "y tick \(tick)") }
        XCTAssertTrue(svg.contains("t &lt;1&gt;"), "the title is escaped")
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse(), "well-formed XML")
    }

    func testLineChartRangesFromDataAndEmptyCharts() {
        let chart = LineChart(title: "lr", xLabel: "epoch", yLabel: "lr", series: [.init(name: "lr", points: [(1, 2e-3), (2, 2e-3), (3, .nan)])])
        XCTAssertEqual(chart.series[0].points.count, 2, "non-finite points are dropped")
        XCTAssertEqual(chart.ranges.x.lo, 1)
        XCTAssertEqual(chart.ranges.x.hi, 2)
        XCTAssertTrue(chart.ranges.y.lo < 2e-3 && chart.ranges.y.hi > 2e-3, "a constant series gets a range around it")
        XCTAssertTrue(LineChart(title: "x", xLabel: "", yLabel: "", series: []).svg.contains(">no data</text>"))
    }

    func testTickLabelsTellEveryTickApart() {
        XCTAssertEqual(LineChart.tickLabels([1, 2, 3]), ["1", "2", "3"])
        XCTAssertEqual(LineChart.tickLabels([1.385, 1.39, 1.395]), ["1.385", "1.390", "1.395"])
        XCTAssertEqual(LineChart.tickLabels([0, 5e-6, 1e-5]), ["0", "5e-06", "1e-05"])
        XCTAssertEqual(LineChart.tickLabels([1.1e-6, 1.2e-6]), ["1.1e-06", "1.2e-06"])
    }

    func testStaircasesKeepOnlyTheirCorners() {
        let roc: [(x: Double, y: Double)] = [(0, 0), (0, 0.5), (0, 1), (0.5, 1), (1, 1)]
        XCTAssertEqual(LineChart.corners(roc).map { [$0.x, $0.y] }, [[0, 0], [0, 1], [1, 1]])
        let diagonal: [(x: Double, y: Double)] = [(0, 0), (0.5, 0.5), (1, 1)]
        XCTAssertEqual(LineChart.corners(diagonal).count, 3)
    }

    func testMarkdownCellsPairWithTheSidecarsRuns() throws {
        let md = """
        ### T

        | Mode | Acc | Δ ref | Macro-F1 | Δ ref | Backbone |
        |---|---|---|---|---|---|
        | FT | 0.900 ± 0.010 | +0.100 | 0.800 | | ViT |
        | SSL+FT | – |  | 0.700 (1/2) | -0.050 | cSiT |

        note with `code` and **bold**
        """
        let side = Data("""
        {"title": "T", "rows": ["FT", "SSL+FT"], "columns": ["accuracy", "macro_f1"],
         "cells": {"FT": {"accuracy": {"runs": ["a", "b"], "mean": 0.9}, "macro_f1": {"runs": ["a"]}}, "SSL+FT": {"macro_f1": {"runs": ["c"]}}},
         "text_columns": [{"header": "Backbone", "values": {}}]}
        """.utf8)
        let paths = (markdown: "t.md", sidecar: "t.json")
        let t = try ReportTable.make(name: "t", markdown: md, sidecar: side, paths: paths)
        XCTAssertEqual(t.header, ["Mode", "Acc", "Δ ref", "Macro-F1", "Δ ref", "Backbone"])
        XCTAssertEqual(t.rows[1], ["SSL+FT", "–", "", "0.700 (1/2)", "-0.050", "cSiT"])
        XCTAssertEqual(t.runs[0], [[], ["a", "b"], [], ["a"], [], []])
        XCTAssertEqual(t.runs[1], [[], [], [], ["c"], [], []])
        XCTAssertEqual(t.notes, ["note with `code` and **bold**"])
        XCTAssertEqual(HTML.inlineMarkdown(t.notes[0]), "note with <code>code</code> and <strong>bold</strong>")
        XCTAssertThrowsError(try ReportTable.make(name: "t", markdown: "no table", sidecar: side, paths: paths)) { e in
            XCTAssertEqual("\(e)", "t.md: no Markdown table (a line starting with '|')")
        }
        let short = Data(#"{"title": "T", "rows": ["FT"], "columns": ["accuracy"], "cells": {}}"#.utf8)
        XCTAssertThrowsError(try ReportTable.make(name: "t", markdown: md, sidecar: short, paths: paths)) { e in
            XCTAssertEqual("\(e)", "t.md: 2 table rows, its sidecar JSON lists 1")
        }
        // Found by review: a `|` inside a row name shifted every cell onto other columns' runs.
        let piped = md.replacingOccurrences(of: "| FT |", with: "| SSL | LE |")
        XCTAssertThrowsError(try ReportTable.make(name: "t", markdown: piped, sidecar: side, paths: paths)) { e in
            XCTAssertEqual("\(e)", "t.md: row 1 has 7 cells, the header 6 (an unescaped '|'?)")
        }
        let escaped = try ReportTable.make(name: "t", markdown: md.replacingOccurrences(of: "| FT |", with: #"| SSL \| LE |"#), sidecar: side, paths: paths)
        XCTAssertEqual(escaped.rows[0].first, "SSL | LE")
        XCTAssertEqual(escaped.runs[0][1], ["a", "b"])
        XCTAssertThrowsError(try ReportTable.make(name: "t", markdown: md, sidecar: Data("[]".utf8), paths: paths)) { e in
            XCTAssertEqual("\(e)", "t.json: not a csit table sidecar (expected keys title, rows, columns, cells)")
        }
    }

    func testAFolderThatIsNotAResultsFolderIsOneClearLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-report-empty-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try ReportSite.load(dir)) { e in
            XCTAssertEqual("\(e)", "\(dir.path): not a results folder (expected run folders runs/<id>/config.json or tables <name>.md with <name>.json)")
        }
        XCTAssertThrowsError(try ReportSite.load(dir.appendingPathComponent("nope"))) { e in
            XCTAssertTrue("\(e)".hasSuffix("nope: no such folder (expected a results folder or an experiment spec)"), "\(e)")
        }
        try "{}".write(to: dir.appendingPathComponent("main.json"), atomically: true, encoding: .utf8)
        try "| a |\n|---|\n".write(to: dir.appendingPathComponent("main.md"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ReportSite.load(dir)) { e in
            XCTAssertTrue("\(e)".contains("main.json: not a csit table sidecar (expected keys title, rows, columns, cells)"), "\(e)")
        }
    }
}
