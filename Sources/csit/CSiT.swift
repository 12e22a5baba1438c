import ArgumentParser
import TensorKit

/// The `csit` command-line tool: each subcommand parses and prints; the work lives in
/// the library modules.
@main
struct CSiT: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csit",
        abstract: "cSiT: a compact self-supervised vision transformer for histopathology, on CPUs.",
        version: "0.1.0",
        subcommands: [PlanCommand.self, RunExperimentCommand.self, TableCommand.self, DiffCommand.self, StatusCommand.self, RunsCommand.self, ReportCommand.self,
                      TrainCommand.self, EvaluateCommand.self, PredictCommand.self, MetricsCommand.self, DataCommand.self, SlideCommand.self, ModelCommand.self, SettingsCommand.self])
}

/// Options every subcommand that computes shares.
struct EngineOptions: ParsableArguments {
    @Option(help: "Threads for csit's loops and GEMMs (default: CSIT_THREADS or all cores).")
    var threads: Int?

    func apply() { Parallel.configure(threads: threads) }
}
