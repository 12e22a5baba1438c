import ArgumentParser
import Experiments
import Foundation
import Report

/// `csit report`: the static HTML report of an experiment's results folder.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a static HTML report of an experiment into <results>/report/.",
        discussion: """
        Pages: index.html (the tables; each cell links to the runs behind it), runs.html (every \
        run, sortable and filterable), runs/<id>.html (configuration, provenance, metrics with \
        class names, confusion matrix, ROC, per-epoch curves, SSL reconstruction grids) and \
        compare.html (runs' curves overlaid, and what csit diff shows). Charts are inline SVG; \
        nothing is fetched from the network and links are relative, so the site opens from \
        file:// after copying the results folder. csit run refreshes it when it finishes.

        Examples:
          csit report experiments/demo.yaml
          csit report results/demo && xdg-open results/demo/report/index.html
        """)

    @Argument(help: "An experiment spec (YAML) or a results folder.") var source: String

    func run() throws {
        let dir: URL
        do {
            if source.hasSuffix(".yaml") || source.hasSuffix(".yml") {
                dir = try ExperimentSpec.load(source, checkPaths: false).resultsDir
            } else {
                dir = URL(fileURLWithPath: source)
            }
            let start = Date()
            let site = try ReportSite.load(dir)
            let count = try site.write()
            print("report: \(site.reportDir.appendingPathComponent("index.html").path) (\(count) files, \(site.runs.count) runs, "
                  + String(format: "%.1f s)", Date().timeIntervalSince(start)))
            for p in site.problems { FileHandle.standardError.write(Data("report: skipped a table: \(p)\n".utf8)) }
        } catch let e as SpecError {
            throw ValidationError(e.description)
        } catch let e as ReportError {
            throw ValidationError(e.description)
        }
    }

    /// Refreshes the report after `csit run`; a failure is one line on stderr, never the
    /// run's exit status.
    static func refresh(_ dir: URL) {
        do {
            let site = try ReportSite.load(dir)
            try site.write()
            print("report: \(site.reportDir.appendingPathComponent("index.html").path)")
        } catch {
            FileHandle.standardError.write(Data("report not refreshed (the runs and tables are fine): \(error); retry with csit report \(dir.path)\n".utf8))
        }
    }
}
