import Foundation
import XCTest

/// The HTML report of a real (tiny) experiment, loaded in headless Chromium: every table
/// cell equals the Markdown table's, every link and source resolves to a file, every image
/// decodes, every chart draws, the stylesheet and script load, no console message; and a
/// screenshot of each kind of page in `.build/report-screenshots/`.
final class ReportBrowserTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-report-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// Debian's `chromium` (or `chromium-browser`) on PATH.
    static var chromium: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Runs Chromium headless with `args`; returns stdout and stderr (killed after 90 s).
    static func chromium(_ args: [String]) throws -> (out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium!)
        p.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                       "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0"] + args
        let out = Pipe()
        // stderr (Chromium's log, console messages among it) to a file: two pipes read one
        // after the other could fill and stall.
        let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("csit-chromium-\(getpid())-\(UUID().uuidString.prefix(6)).log")
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errFile) }
        p.standardOutput = out
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        let deadline = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 90, execute: deadline)
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        deadline.cancel()
        return (String(decoding: outData, as: UTF8.self), (try? String(contentsOf: errFile, encoding: .utf8)) ?? "")
    }

    /// The harness: every page in an iframe; once each loads, what the browser made of it is
    /// written into `#out` as JSON (the pages themselves are not changed).
    static func harness(_ pages: [URL]) -> String {
        let frames = pages.enumerated().map { i, u in
            "<iframe id=\"f\(i)\" src=\"\(u.absoluteString)\" width=\"1200\" height=\"900\" onload=\"check(this)\"></iframe>"
        }.joined(separator: "\n")
        return """
        <!DOCTYPE html><html><body><pre id="out"></pre>
        <script>
        var results = {};
        function all(d, q) { return Array.prototype.slice.call(d.querySelectorAll(q)); }
        function check(f) {
          var d = f.contentDocument, rules = 0;
          try { rules = d.styleSheets.length ? d.styleSheets[0].cssRules.length : 0; } catch (e) { rules = -1; }
          results[f.getAttribute("src")] = {
            images: all(d, "img").map(function (i) { return i.complete && i.naturalWidth > 0; }),
            svgs: all(d, "svg").map(function (s) { var b = s.getBoundingClientRect(); return [b.width, b.height, all(s, "polyline, circle").length]; }),
            links: all(d, "[href], [src]").map(function (e) { return e.getAttribute("href") || e.getAttribute("src"); }),
            tables: all(d, "table.results").map(function (t) {
              return [t.getAttribute("data-table"), all(t, "tr").map(function (r) { return all(r, ".v, thead th").map(function (c) { return c.textContent; }); })];
            }),
            cssRules: rules, script: d.documentElement.classList.contains("js"),
            shownRuns: all(d, ".charts [data-run]").filter(function (e) { return !e.classList.contains("hidden"); })
              .map(function (e) { return e.getAttribute("data-run"); }).filter(function (v, i, a) { return a.indexOf(v) === i; })
          };
          document.getElementById("out").textContent = JSON.stringify(results);
        }
        </script>
        \(frames)
        </body></html>
        """
    }

    struct PageResult: Decodable {
        var images: [Bool]
        var svgs: [[Double]]
        var links: [String]
        var tables: [[TableEntry]]
        var cssRules: Int
        var script: Bool
        var shownRuns: [String]
    }

    /// Bad input is one line naming the folder and what was expected; --help has examples.
    func testReportRefusesAFolderThatIsNotAResultsFolder() throws {
        var (status, out) = try CLIRunner.run(["report", work.path])
        XCTAssertEqual(status, 64, out)
        XCTAssertTrue(out.contains("\(work.path): not a results folder (expected run folders runs/<id>/config.json or tables <name>.md with <name>.json)"), out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("report").path), "nothing written")
        (status, out) = try CLIRunner.run(["report", "--help"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("Examples:") && out.contains("csit report results/demo"), out)
    }

    func testReportOfARealExperimentRendersInChromium() throws {
        guard Self.chromium != nil else {
            throw XCTSkip("chromium is not installed (make deps installs Debian's chromium): the report's browser test did not run")
        }
        let started = Date()
        let results = work.appendingPathComponent("results")
        let spec = try TinySpec.write(name: "browser", results: results.path, in: work, withSSL: true, epochs: 2)
        var (status, out) = try CLIRunner.run(["run", spec])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("report: \(results.path)/report/index.html"), "csit run refreshes the report: \(out)")
        (status, out) = try CLIRunner.run(["report", spec])
        XCTAssertEqual(status, 0, out)
        let trained = Date()
        let report = results.appendingPathComponent("report")
        let runPages = try FileManager.default.contentsOfDirectory(atPath: report.appendingPathComponent("runs").path).sorted()
            .map { report.appendingPathComponent("runs/\($0)") }
        let runFolders = try FileManager.default.contentsOfDirectory(atPath: results.appendingPathComponent("runs").path)
            .filter { FileManager.default.fileExists(atPath: results.appendingPathComponent("runs/\($0)/config.json").path) }
        XCTAssertEqual(runPages.map { $0.deletingPathExtension().lastPathComponent }, runFolders.sorted(), "one page per run folder")
        XCTAssertEqual(runPages.count, 7, "1 SSL, 3 ft and 3 ssl-ft runs")
        let pages = ["index.html", "runs.html", "compare.html"].map { report.appendingPathComponent($0) } + runPages
        // A page with a missing image and a console error: the checks below must see both.
        let probe = work.appendingPathComponent("probe.html")
        try "<!DOCTYPE html><title>probe</title><img src=\"missing-on-purpose.png\" alt=\"\"><script>console.error(\"report-probe-error\")</script>"
            .write(to: probe, atomically: true, encoding: .utf8)
        let harness = work.appendingPathComponent("harness.html")
        // The compare page as a table cell's link opens it: the script shows only that run.
        let chosen = runPages[0].deletingPathExtension().lastPathComponent
        let compareOne = URL(string: pages[2].absoluteString + "?runs=\(chosen)")!
        try Self.harness(pages + [probe, compareOne]).write(to: harness, atomically: true, encoding: .utf8)
        let (dom, log) = try Self.chromium(["--virtual-time-budget=20000", "--dump-dom", harness.absoluteString])
        guard let start = dom.range(of: "<pre id=\"out\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex) else {
            return XCTFail("no results from the harness: \(dom.prefix(2000)) \(log.suffix(2000))")
        }
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&amp;", with: "&")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
        let found = try JSONDecoder().decode([String: PageResult].self, from: Data(json.utf8))
        let console = log.split(separator: "\n").filter { $0.contains(":CONSOLE") }

        // The detector is not blind: the probe's broken image and console error are seen.
        XCTAssertEqual(found[probe.absoluteString]?.images, [false], "the probe's missing image reads as not loaded")
        XCTAssertTrue(console.contains { $0.contains("report-probe-error") }, "the probe's console.error is in Chromium's log: \(log.suffix(3000))")
        let reportConsole = console.filter { !$0.contains(probe.absoluteString) }
        XCTAssertEqual(reportConsole, [], "console messages from the report's pages")

        for page in pages {
            guard let r = found[page.absoluteString] else { XCTFail("\(page.lastPathComponent) did not load"); continue }
            XCTAssertGreaterThan(r.cssRules, 10, "\(page.lastPathComponent): the stylesheet loads")
            XCTAssertTrue(r.script, "\(page.lastPathComponent): the script runs")
            for link in r.links {
                XCTAssertFalse(link.contains("://"), "\(page.lastPathComponent): only relative links (\(link))")
                let path = String(link.prefix { $0 != "?" && $0 != "#" })
                guard !path.isEmpty else { continue }
                let target = URL(fileURLWithPath: path, relativeTo: page.deletingLastPathComponent()).standardizedFileURL
                XCTAssertTrue(FileManager.default.fileExists(atPath: target.path), "\(page.lastPathComponent): \(link) → \(target.path) does not exist")
            }
            XCTAssertFalse(r.images.contains(false), "\(page.lastPathComponent): an image did not load")
            for svg in r.svgs {
                XCTAssertGreaterThan(svg[0], 100, "\(page.lastPathComponent): an SVG chart has no width")
                XCTAssertGreaterThan(svg[2], 0, "\(page.lastPathComponent): an SVG chart draws no line")
            }
        }
        let index = try XCTUnwrap(found[pages[0].absoluteString])
        XCTAssertEqual(index.tables.count, 1)
        for t in index.tables {
            // [name, rows]: the Markdown table beside the sidecar, cell by cell.
            guard case .name(let name) = t[0], case .rows(let rows) = t[1] else { continue }
            let md = try String(contentsOf: results.appendingPathComponent("\(name).md"), encoding: .utf8)
            let expected = md.split(separator: "\n").filter { $0.hasPrefix("|") && !$0.hasPrefix("|---") }.map { line in
                line.trimmingCharacters(in: CharacterSet(charactersIn: "| ")).components(separatedBy: " | ")
            }
            XCTAssertEqual(rows, expected, "table \(name): the rendered cells differ from \(name).md")
            XCTAssertGreaterThan(rows.count, 2)
        }
        XCTAssertGreaterThan(found[pages[2].absoluteString]?.shownRuns.count ?? 0, 1, "without a choice the compare page draws every run")
        XCTAssertEqual(found[compareOne.absoluteString]?.shownRuns, [chosen], "compare.html?runs=ID draws only that run")
        let runsPage = try XCTUnwrap(found[pages[1].absoluteString])
        XCTAssertEqual(runsPage.links.filter { $0.hasPrefix("runs/") }.count, 7, "the runs page links every run")
        let ssl = try XCTUnwrap(runPages.first { try String(contentsOf: $0, encoding: .utf8).contains("SSL reconstructions") })
        XCTAssertEqual(found[ssl.absoluteString]?.images.count, 1, "the SSL run page shows its epoch's reconstruction grid")
        let ft = try XCTUnwrap(runPages.first { try String(contentsOf: $0, encoding: .utf8).contains("<h2>ROC</h2>") })
        XCTAssertGreaterThanOrEqual(found[ft.absoluteString]?.svgs.count ?? 0, 3, "ROC, loss, learning rate (and validation metrics where the split has room for them)")

        let shots = CLIRunner.repositoryRoot.appendingPathComponent(".build/report-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for (name, page, height) in [("index", pages[0], 900), ("runs", pages[1], 900), ("compare", pages[2], 2600),
                                     ("run-ft", ft, 3000), ("run-ssl", ssl, 2200)] {
            let png = shots.appendingPathComponent("\(name).png")
            try? FileManager.default.removeItem(at: png)
            _ = try Self.chromium(["--window-size=1400,\(height)", "--screenshot=\(png.path)", page.absoluteString])
            XCTAssertTrue(FileManager.default.fileExists(atPath: png.path), "no screenshot \(png.path)")
        }
        print(String(format: "report browser test: screenshots in %@; tiny experiment %.1f s, browser checks %.1f s",
                     shots.path, trained.timeIntervalSince(started), Date().timeIntervalSince(trained)))
    }
}

/// A table as the harness reports it: its name, then its rows of cell texts.
enum TableEntry: Decodable, Equatable {
    case name(String)
    case rows([[String]])
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { self = .name(s) } else { self = .rows(try c.decode([[String]].self)) }
    }
}
