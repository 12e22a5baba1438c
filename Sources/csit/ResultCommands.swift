import ArgumentParser
import Experiments
import Foundation

/// `csit table`: render the spec's tables from finished runs.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "table", abstract: "Render the spec's tables (Markdown, CSV, LaTeX, sidecar JSON).",
                                                    discussion: "Example:\n  csit table experiments/demo.yaml")
    @OptionGroup var options: SpecOptions
    @Flag(help: "Exit 0 even when a table cell has fewer runs than planned.") var allowPartial = false

    func run() throws {
        let (spec, plan, store) = try options.planned(checkPaths: false)
        let tables = ResultTable.make(plan, store: store)
        for t in tables {
            try t.write(to: spec.resultsDir)
            print(t.markdown)
        }
        if !allowPartial { try Self.refusePartial(tables, store: store) }
    }

    /// Names each planned run a table lacks (with its state) and exits 3 when there is one: a
    /// finished run with damaged metrics dropped out of its cell, and everything exited 0.
    static func refusePartial(_ tables: [ResultTable], store: RunStore) throws {
        let missing = Set(tables.flatMap(\.missing)).sorted()
        guard !missing.isEmpty else { return }
        // Runs of another spec (a column that draws from it) live in that spec's results folder.
        let elsewhere = tables.reduce(into: [String: URL]()) { $0.merge($1.missingIn) { a, _ in a } }
        for id in missing {
            let store = elsewhere[id].map { RunStore(root: $0) } ?? store
            let state = store.status(id).state
            let why = state != .done ? state.rawValue : "done, but " + (store.damageDescription(id, ssl: false) ?? "damaged")
            FileHandle.standardError.write(Data("missing from the tables: \(id)\(elsewhere[id].map { " in \($0.path)" } ?? "") (\(why))\n".utf8))
        }
        FileHandle.standardError.write(Data(("\(missing.count) planned run(s) missing: the tables were written with n/expected in the "
                                             + "short cells; --allow-partial exits 0\n").utf8))
        throw ExitCode(3)
    }
}

/// `csit diff`: compare runs or experiments.
extension Diff.Comparison.Format: ExpressibleByArgument {}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Compare runs (folders) or experiments (specs or results folders).",
                                                    discussion: """
                                                    Keys equal on every side are left out; data paths, folds and seeds are not compared, \
                                                    and downstream runs are compared by the SSL run they started from (ssl_run).

                                                    Example:
                                                      csit diff results/demo results/demo-lr3e-3 --format csv
                                                    """)
    @Argument(help: "Two or more run folders, results folders or specs.") var items: [String]
    @Option(help: "Output: markdown (default), json or csv.") var format: Diff.Comparison.Format = .markdown

    func validate() throws { if items.count < 2 { throw ValidationError("give at least two runs or experiments") } }

    func run() throws { print(try Diff.compare(items.map(Diff.load)).rendered(format), terminator: "") }
}

/// `csit status`: each run's state.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "List each planned run with its labels and state (done, running with epoch, step and ETA, failed, not started).",
                                                    discussion: "Example:\n  csit status experiments/demo.yaml")
    @OptionGroup var options: SpecOptions

    @Flag(help: "Check every file of each done run against the hashes recorded when it finished, models included (without it, the files tables read).")
    var verify = false

    func run() throws {
        let (_, plan, store) = try options.planned(checkPaths: false)
        print(RunStatus.render(plan: plan, store: store, verify: verify), terminator: "")
    }
}
