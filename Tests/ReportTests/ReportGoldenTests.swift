import Foundation
import XCTest
import Report

/// The whole site of a small fixture results folder (one table; an SSL, a fine-tuning and an
/// SSL+FT run folder from a real tiny run, without weights) against golden files, and the
/// same results writing the same bytes.
final class ReportGoldenTests: XCTestCase {
    static var fixture: URL { Bundle.module.resourceURL!.appendingPathComponent("Fixtures/results") }

    func testEveryPageOfTheFixtureMatchesItsGolden() throws {
        let site = try ReportSite.load(Self.fixture)
        XCTAssertEqual(site.runs.count, 3)
        XCTAssertEqual(site.tables.map(\.name), ["main"])
        let files = site.files()
        XCTAssertEqual(files.map(\.path).filter { $0.hasSuffix(".html") }.count, 6, "index, runs, compare and a page per run")
        for (path, content) in files where path.hasSuffix(".html") {
            try Self.assertGolden(content, path.replacingOccurrences(of: "/", with: "_"))
        }
    }

    func testTheSameResultsWriteTheSameBytes() throws {
        let a = try ReportSite.load(Self.fixture).files(), b = try ReportSite.load(Self.fixture).files()
        XCTAssertEqual(a.map(\.path), b.map(\.path))
        XCTAssertEqual(a.map(\.content), b.map(\.content))
    }

    /// Table cells link to the runs behind them: one run to its page, several to the compare
    /// page with them chosen, plus a numbered link per run.
    func testCellsLinkToTheirRuns() throws {
        let site = try ReportSite.load(Self.fixture)
        let index = IndexPage(site: site)
        let ids = site.runs.map(\.id)
        let one = index.cell("0.5", runs: [ids[1]], isLabel: false)
        XCTAssertTrue(one.hasPrefix("<td><a class=\"v\" href=\"runs/\(ids[1]).html\""), one)
        let two = index.cell("0.5 ± 0.1", runs: [ids[1], ids[2]], isLabel: false)
        XCTAssertTrue(two.contains("href=\"compare.html?runs=\(ids[1]),\(ids[2])\""), two)
        XCTAssertTrue(two.contains(">1</a> <a href=\"runs/\(ids[2]).html\""), two)
        // Found by review: a cell whose run folders are gone silently showed fewer runs.
        XCTAssertEqual(index.cell("–", runs: ["not-a-run"], isLabel: false),
                       "<td><span class=\"v\">–</span><span class=\"runs missing\">1 of 1 runs not in runs/</span></td>")
        let partial = index.cell("0.5 ± 0.1", runs: [ids[1], "gone", ids[2]], isLabel: false)
        XCTAssertTrue(partial.contains("<span class=\"runs missing\">1 of 3 runs not in runs/</span>"), partial)
        XCTAssertTrue(partial.contains("href=\"compare.html?runs=\(ids[1]),\(ids[2])\""), partial)
    }

    /// Found by review: table files named with spaces, `#`, `?` or `%` gave links that do not
    /// resolve, and a file where report/ goes was a confusing error.
    func testFileNamesArePercentEncodedAndAFileInTheWayIsOneLine() throws {
        XCTAssertEqual(HTML.path("../demo #1?.md"), "../demo%20%231%3F.md")
        XCTAssertEqual(HTML.path("../Table 1 (%).csv"), "../Table%201%20(%25).csv")
        XCTAssertEqual(HTML.path("../Table 1 (%).csv").removingPercentEncoding, "../Table 1 (%).csv")
        XCTAssertEqual(HTML.slug("Table 1 (%)"), "Table-1----")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("csit-report-file-\(getpid())")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: Self.fixture, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        try? FileManager.default.removeItem(at: copy.appendingPathComponent("report"))
        try "x".write(to: copy.appendingPathComponent("report"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ReportSite.load(copy).write()) { e in
            XCTAssertEqual("\(e)", "\(copy.appendingPathComponent("report").path): is a file; expected the report's folder (remove or rename it)")
        }
    }

    /// Writes into a copy: every page lands in report/, a stale run page is removed.
    func testWriteRefreshesTheReportFolder() throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("csit-report-golden-\(getpid())")
        try? FileManager.default.removeItem(at: copy)
        try FileManager.default.copyItem(at: Self.fixture, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let stale = copy.appendingPathComponent("report/runs/gone.html")
        try FileManager.default.createDirectory(at: stale.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "old".write(to: stale, atomically: true, encoding: .utf8)
        let site = try ReportSite.load(copy)
        XCTAssertEqual(try site.write(), 8)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale.path))
        for f in ["index.html", "runs.html", "compare.html", "assets/report.css", "assets/report.js"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: copy.appendingPathComponent("report/\(f)").path), f)
        }
    }

    /// Compares with `Golden/<name>`; `CSIT_UPDATE_GOLDEN=1` rewrites the file in the source tree.
    static func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        if ProcessInfo.processInfo.environment["CSIT_UPDATE_GOLDEN"] == "1" {
            let source = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
            try text.write(to: source, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: Bundle.module.resourceURL!.appendingPathComponent("Golden/\(name)"), encoding: .utf8)
        XCTAssertEqual(text, expected, "differs from Golden/\(name)", file: file, line: line)
    }
}
