import Experiments
import Foundation
import TensorKit

/// The static report of a results folder: `report/index.html` (the tables, each cell linking
/// to its runs), `runs.html` (every run, sortable and filterable), `runs/<id>.html` (one page
/// per run) and `compare.html` (runs' curves overlaid, and what `csit diff` shows), with the
/// stylesheet and script in `assets/`. Links are relative, so the site opens from `file://`
/// after the results folder is copied; the same results always write the same bytes.
public struct ReportSite {
    /// The results folder (holds `runs/` and the tables).
    public var resultsDir: URL
    public var tables: [ReportTable]
    /// Tables that could not be read, one line each (shown on the index page).
    public var problems: [String]
    /// Every run folder, by label then id (aliases under `runs/by-label/` are not runs).
    public var runs: [RunRecord]
    /// The rows of `csit runs` for the same folders (columns of the runs page).
    public var listing: RunListing?

    /// The folder the site is written to.
    public var reportDir: URL { resultsDir.appendingPathComponent("report") }

    /// The experiment's name: the results folder's.
    public var name: String { resultsDir.lastPathComponent }

    /// Reads the tables and run folders of `resultsDir`.
    ///
    /// - Throws: `ReportError` when the folder does not exist or holds neither run folders
    ///   (`runs/<id>/config.json`) nor tables (`<name>.md` with its `<name>.json`).
    public static func load(_ resultsDir: URL) throws -> ReportSite {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resultsDir.path, isDirectory: &isDir), isDir.boolValue else {
            throw ReportError("\(resultsDir.path): no such folder (expected a results folder or an experiment spec)")
        }
        let store = RunStore(root: resultsDir)
        let (tables, problems) = ReportTable.loadAll(in: resultsDir)
        let listing = try? RunListing.load(store: store)
        // By what tells runs apart (mode, fold, …), so a run's colour and place are the same
        // on every page.
        var runs = listing?.rows.compactMap { RunRecord.load($0, store: store) } ?? []
        let seeds = Set(runs.compactMap { $0.text("seed") })
        for i in runs.indices {
            runs[i].label = runs[i].labelParts.filter { $0.key != "seed" || seeds.count > 1 }.map(\.text).joined(separator: " ")
        }
        runs.sort { ($0.label, $0.id) < ($1.label, $1.id) }
        guard !runs.isEmpty || !tables.isEmpty else {
            throw ReportError("\(resultsDir.path): not a results folder (expected run folders runs/<id>/config.json or tables <name>.md with <name>.json)"
                + (problems.isEmpty ? "" : "; " + problems.joined(separator: "; ")))
        }
        return ReportSite(resultsDir: resultsDir, tables: tables, problems: problems, runs: runs, listing: listing)
    }

    /// The run with `id`, if it has a folder.
    public func run(_ id: String) -> RunRecord? { runs.first { $0.id == id } }

    /// Every file of the site: path relative to `report/` → content.
    public func files() -> [(path: String, content: String)] {
        var out: [(path: String, content: String)] = [
            ("assets/report.css", Assets.css), ("assets/report.js", Assets.script),
            ("index.html", IndexPage(site: self).html), ("runs.html", RunsPage(site: self).html),
            ("compare.html", ComparePage(site: self).html),
        ]
        for r in runs { out.append((r.page, RunPage(run: r, site: self).html)) }
        return out
    }

    /// Writes the site into `report/` (each file atomically) and removes run pages of runs
    /// that no longer have a folder; returns the number of files written.
    @discardableResult
    public func write() throws -> Int {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: reportDir.path, isDirectory: &isFolder), !isFolder.boolValue {
            throw ReportError("\(reportDir.path): is a file; expected the report's folder (remove or rename it)")
        }
        let files = files()
        for (path, content) in files {
            try AtomicFile.write(Data(content.utf8), to: reportDir.appendingPathComponent(path))
        }
        let pages = reportDir.appendingPathComponent("runs")
        let kept = Set(runs.map { "\($0.id).html" })
        for f in (try? FileManager.default.contentsOfDirectory(atPath: pages.path)) ?? [] where f.hasSuffix(".html") && !kept.contains(f) {
            try? FileManager.default.removeItem(at: pages.appendingPathComponent(f))
        }
        return files.count
    }
}
