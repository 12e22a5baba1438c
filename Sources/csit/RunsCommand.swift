import ArgumentParser
import Experiments
import Foundation

extension RunListing.Format: ExpressibleByArgument {}

/// `csit runs`: every run of an experiment, one row each, filtered and sorted.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List runs with their labels, state, the settings that vary, metrics and speed.",
        discussion: """
        Rows come from a spec's plan (runs not started included) or from a results folder's run \
        folders. Columns: the labels (id, mode, fold, zoom, label_fraction, seed, sweep, state), \
        the configuration keys whose values differ between the runs, test metrics (accuracy, \
        macro_f1, …), the best epoch's validation metrics (val_accuracy, …), wall_seconds and \
        images_per_second.

        Examples:
          csit runs experiments/demo.yaml --where mode=ssl-ft --sort -macro_f1
          csit runs results/demo --columns id,mode,fold,lr,accuracy --format csv
        """)

    @Argument(help: "An experiment spec (YAML) or a results folder.") var source: String
    @Option(name: .customLong("where"), parsing: .singleValue, help: "Keep runs where key=value; comma-separated or repeated conditions all hold (mode=ssl-ft,fold=0).")
    var conditions: [String] = []
    @Option(parsing: .unconditional, help: "Sort by a column; a leading '-' sorts descending (-macro_f1).") var sort: String?
    @Option(help: "Comma-separated columns (default: labels, varying settings, accuracy and macro F1, times).") var columns: String?
    @Option(help: "Output: table, csv or json.") var format: RunListing.Format = .table

    func run() throws {
        var listing: RunListing
        do {
            if source.hasSuffix(".yaml") || source.hasSuffix(".yml") {
                let spec = try ExperimentSpec.load(source, checkPaths: false)
                listing = RunListing.load(plan: try Plan.make(spec), store: RunStore(root: spec.resultsDir))
            } else {
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: source, isDirectory: &isDir), isDir.boolValue else {
                    throw ValidationError("\(source): neither a spec (.yaml) nor a results folder")
                }
                listing = try RunListing.load(store: RunStore(root: URL(fileURLWithPath: source)))
            }
            listing = try listing.filtered(conditions.flatMap(RunListing.conditions))
            if let sort { listing = try listing.sorted(by: sort) }
            let chosen = try listing.columns(columns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [])
            print(try listing.rendered(format, columns: chosen), terminator: "")
        } catch let e as SpecError {
            throw ValidationError(e.description)
        } catch let e as RunListingError {
            throw ValidationError(e.description)
        } catch let e as RunnerError {
            throw ValidationError(e.description)
        }
    }
}
