import ArgumentParser
import Experiments
import Foundation
import TensorKit
import Training

/// Options shared by the commands that read a spec.
struct SpecOptions: ParsableArguments {
    @Argument(help: "Experiment spec (YAML).") var spec: String
    @Option(name: .customLong("set"), help: "Override a spec value: key.path=value (repeatable).") var overrides: [String] = []

    func load(checkPaths: Bool = true) throws -> ExperimentSpec {
        do { return try ExperimentSpec.load(spec, overrides: overrides, checkPaths: checkPaths) }
        catch let e as SpecError { throw ValidationError(e.description) }
    }
}

/// `csit plan`: the run graph of a spec.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Expand a spec into its run graph and print it with counts and cost.")
    @OptionGroup var options: SpecOptions

    func run() throws {
        let spec = try options.load(checkPaths: false)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        print(plan.render(store: store, imagesPerSecond: ThroughputMemory.last(store: store)), terminator: "")
    }
}

/// The last measured training throughput of an experiment, for cost estimates.
enum ThroughputMemory {
    static func last(store: RunStore) -> Double? {
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: store.root.appendingPathComponent("runs").path)) ?? []
        var rates: [Double] = []
        for id in runs {
            guard let text = try? String(contentsOf: store.dir(id).appendingPathComponent("log.jsonl"), encoding: .utf8),
                  let last = text.split(separator: "\n").last,
                  let r = try? JSONDecoder().decode(EpochRecord.self, from: Data(last.utf8)) else { continue }
            rates.append(r.imagesPerSecond)
        }
        return rates.isEmpty ? nil : rates.reduce(0, +) / Double(rates.count)
    }
}

/// `csit run`: execute a spec's graph (or one run by id).
struct RunExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run every planned run not yet done, in dependency order; then write the tables.")
    @OptionGroup var options: SpecOptions
    @Option(help: "Runs side by side (cores are split between them).") var jobs = 1
    @Option(help: "Only runs whose labels match key=value (mode, fold, zoom, seed, label_fraction); repeatable.") var only: [String] = []
    @Option(name: .customLong("run"), help: "Execute this one planned run (the entry point executors call).") var runID: String?
    @Flag(help: "Print what would run, run nothing.") var dryRun = false

    func run() throws {
        let spec = try options.load()
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        if let runID {
            guard let r = plan.run(runID) else { throw ValidationError(RunnerError.unknownRun(runID).description) }
            Parallel.configure()
            try SingleRun.execute(r, store: store, reporter: ProgressReporter(prefix: "[\(r.id.prefix(8))] "))
            return
        }
        var selected = plan.runs.filter { r in only.allSatisfy { f in r.labels.contains { Self.matches($0, f) } } }
        let deps = Set(selected.compactMap(\.dependsOn))
        selected = plan.runs.filter { r in selected.contains { $0.id == r.id } || deps.contains(r.id) }
        let ordered = selected.filter { $0.config.mode == .ssl } + selected.filter { $0.config.mode != .ssl }
        try FileManager.default.createDirectory(at: spec.resultsDir, withIntermediateDirectories: true)
        if dryRun {
            print(plan.render(store: store), terminator: "")
            print("would run: " + ordered.filter { !store.isDone($0.id) }.map { String($0.id) }.joined(separator: " "))
            return
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let executor = LocalExecutor(jobs: jobs, command: RunCommand(executable: executable, specPath: options.spec, overrides: options.overrides))
        executor.onUpdate = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        store.event(["event": "run-started", "spec": options.spec, "runs": String(ordered.count)])
        let failed = try executor.execute(ordered, plan: plan, store: store)
        for t in ResultTable.make(plan, store: store) {
            try t.write(to: spec.resultsDir)
            print(t.markdown)
        }
        for (id, msg) in failed.sorted(by: { $0.key < $1.key }) { FileHandle.standardError.write(Data("failed \(id): \(msg)\n".utf8)) }
        store.event(["event": "run-finished", "failed": String(failed.count)])
        if !failed.isEmpty { throw ExitCode(Int32(min(failed.count, 125))) }
    }

    static func matches(_ l: RunLabel, _ filter: String) -> Bool {
        let kv = filter.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2 else { return false }
        switch kv[0] {
        case "mode": return l.mode == kv[1]
        case "fold": return l.fold.map(String.init) == kv[1]
        case "zoom": return l.zoom == kv[1]
        case "seed": return String(l.seed) == kv[1]
        case "label_fraction": return Double(kv[1]) == l.labelFraction
        default: return false
        }
    }
}

/// `csit table`: render the spec's tables from finished runs.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "table", abstract: "Render the spec's tables (Markdown, CSV, LaTeX, sidecar JSON).")
    @OptionGroup var options: SpecOptions

    func run() throws {
        let spec = try options.load(checkPaths: false)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for t in ResultTable.make(plan, store: store) {
            try t.write(to: spec.resultsDir)
            print(t.markdown)
        }
    }
}

/// `csit diff`: compare runs or experiments.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Compare runs (folders) or experiments (specs or results folders).")
    @Argument(help: "Two or more run folders, results folders or specs.") var items: [String]

    func validate() throws { if items.count < 2 { throw ValidationError("give at least two runs or experiments") } }

    func run() throws { print(try Diff.render(items.map(Diff.load)), terminator: "") }
}

/// `csit status`: each run's state.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "List each planned run's state (done, running, failed, not started).")
    @OptionGroup var options: SpecOptions

    func run() throws {
        let spec = try options.load(checkPaths: false)
        let plan = try Plan.make(spec)
        let store = RunStore(root: spec.resultsDir)
        for r in plan.runs {
            let s = store.status(r.id)
            var line = "\(r.id)  \(r.config.mode.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0))  \(s.state.rawValue)"
            if s.state == .failed { line += ": \(s.message ?? "") (log: \(store.dir(r.id).appendingPathComponent("train.log").path))" }
            print(line)
        }
    }
}
