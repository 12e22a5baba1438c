import ArgumentParser
import Collectives
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

    /// The spec, its plan and its results folder.
    func planned(checkPaths: Bool = true) throws -> (spec: ExperimentSpec, plan: Plan, store: RunStore) {
        let spec = try load(checkPaths: checkPaths)
        return (spec, try Plan.make(spec), RunStore(root: spec.resultsDir))
    }
}

/// `csit plan`: the run graph of a spec.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Expand a spec into its run graph and print it with counts and cost.",
                                                    discussion: """
                                                    Examples:
                                                      csit plan experiments/demo.yaml --set train.lr=1e-3,3e-3
                                                      csit plan experiments/nct.yaml --check-images --threads 16
                                                    """)
    @OptionGroup var options: SpecOptions

    @Flag(help: "Plan without checking that dataset and checkpoint paths exist (to cost a spec before its data is in place).")
    var noCheckPaths = false

    @Flag(help: "Skip the wall-clock estimate (and the few seconds of calibration a new model size takes).")
    var noEstimate = false

    @Option(help: "With --no-check-paths: cost a dataset that is not in place and has no published size (the unlabeled set) at N images.")
    var assumeImages: Int?

    @Flag(help: "Decode every image of every dataset the plan reads, in parallel, and list each file that does not decode (exit \(dataProblemStatus)).")
    var checkImages = false

    @OptionGroup var engine: EngineOptions

    func run() throws {
        // A missing dataset root planned "0 image-steps" and exited 0; only csit run said why.
        engine.apply()
        if let n = assumeImages, !(1...1_000_000_000).contains(n) {
            throw ValidationError("--assume-images must be between 1 and 1,000,000,000, not \(n)")
        }
        let spec = try options.load(checkPaths: !noCheckPaths)
        let (plan, store) = (try Plan.make(spec, assumedImages: assumeImages), RunStore(root: spec.resultsDir))
        for w in plan.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        print(plan.render(store: store), terminator: "")
        if !noEstimate {
            let calibration = Calibration(threads: ComputeContext.default.threads)
            let estimate = try PlanEstimate.make(plan, store: store, threads: calibration.threads) { model, workload in
                calibration.gflopsPerSecond(model, workload) { what in
                    FileHandle.standardError.write(Data("calibrating this machine: \(what) (once; cached in \(calibration.url.path))\n".utf8))
                }
            }
            print("\n" + estimate.render(), terminator: "")
        }
        if checkImages { try Self.decodeEveryImage(plan) }
    }

    /// Decodes every image of the plan's datasets and names every file that does not decode,
    /// all datasets first, then exits `dataProblemStatus` if there was one: a corrupt image was
    /// found only at evaluation, after a full epoch.
    static func decodeEveryImage(_ plan: Plan) throws {
        var bad = 0, images = 0
        // Each file once: the SSL root is often a link to a labeled root (nct.yaml).
        var seen = Set<String>()
        for listed in plan.datasets {
            let real = listed.dataset.root.resolvingSymlinksInPath().path
            let unseen = listed.dataset.filter { seen.insert(real + "/" + $0.path).inserted }
            let check = DecodeProgress.check(unseen)
            images += unseen.samples.count
            bad += check.badFiles.count
            for f in check.badFiles { FileHandle.standardError.write(Data("bad image: \(f.path): \(f.reason)\n".utf8)) }
        }
        let summary = "checked \(images) images in \(plan.datasets.count) dataset(s): "
        guard bad == 0 else {
            FileHandle.standardError.write(Data((summary + "\(bad) do not decode\n").utf8))
            throw ExitCode(dataProblemStatus)
        }
        print(summary + "every image decodes")
    }
}

/// `csit run`: execute a spec's graph (or one run by id).
struct RunExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run every planned run not yet done, in dependency order; then write the tables.",
        discussion: """
        Examples:
          csit run experiments/demo.yaml --jobs 2
          csit run experiments/nct.yaml --executor slurm --partition cpu --cpus-per-task 16 --time 24:00:00

        Ctrl-C, SIGTERM or SIGUSR1 reach the running runs, which finish their step, checkpoint and exit 75 \
        (state preempted); the runner then exits 128 + the signal, and the same command resumes them at the \
        next step. A kill -9 loses at most checkpoint_minutes (default 10) of each run's work. On Slurm, jobs \
        get --signal=B:USR1@<--signal-grace> and --requeue, and requeue themselves after such a stop.
        """)
    @OptionGroup var options: SpecOptions
    @Option(help: "Runs side by side (cores are split between them).") var jobs = 1
    @Option(help: "Threads per run (default: CSIT_THREADS, else the cores divided by --jobs).") var threads: Int?
    @Option(help: "Only runs whose labels match key=value (mode, fold, zoom, seed, label_fraction); repeatable.") var only: [String] = []
    @Option(name: .customLong("run"), help: "Execute this one planned run (the entry point executors call).") var runID: String?
    @Flag(help: "Print what would run (for Slurm: the sbatch scripts), run nothing.") var dryRun = false
    @Flag(help: "Exit 0 even when a table cell has fewer runs than planned.") var allowPartial = false
    @Flag(help: "Do not refresh the HTML report (<results>/report/) when the runs finish.") var noReport = false
    @Option(help: "local (processes on this machine) or slurm (job arrays).") var executor = "local"
    @Option(help: "Slurm partition.") var partition: String?
    @Option(help: "Slurm CPUs (and csit threads) per task.") var cpusPerTask = 2
    @Option(help: "Slurm memory per task (e.g. 16G).") var mem: String?
    @Option(help: "Slurm time limit per task (e.g. 12:00:00).") var time: String?
    @Option(help: "Most array tasks running at once.") var arrayParallelism: Int?
    @Option(help: "Extra sbatch argument (repeatable), e.g. --sbatch-arg=--account=lab.") var sbatchArg: [String] = []
    @Option(help: "Slurm: seconds before the time limit that USR1 asks a run to checkpoint and requeue (--signal=B:USR1@N).")
    var signalGrace = 120

    func validate() throws {
        guard ["local", "slurm"].contains(executor) else { throw ValidationError("--executor must be local or slurm, not '\(executor)'") }
        guard (1...86_400).contains(signalGrace) else { throw ValidationError("--signal-grace must be 1…86400 seconds, not \(signalGrace)") }
    }

    func run() throws {
        // One precedence for the thread count: --threads, then CSIT_THREADS (which executors
        // set for their children), then every core. Never part of a run's identity.
        Parallel.configure(threads: World.threads(requested: threads))
        if World.launchedSize() > 1 && runID == nil {
            throw ValidationError("csit run was started as \(World.launchedSize()) processes (mpirun or srun): name the one run they train together with --run ID")
        }
        if let runID {
            // Executors freeze the plan before starting children, so a child runs exactly what
            // was planned, even if the spec changed since, without planning again.
            ChildProcess.dieWithParent()
            // A stop signal (a runner's Ctrl-C, Slurm's preemption notice) checkpoints and exits 75.
            StopSignals.install()
            let spec = try options.load()
            let store = RunStore(root: spec.resultsDir)
            guard let r = try FrozenPlan.read(store)?.planned(runID) ?? Plan.make(spec).run(runID) else {
                throw ValidationError(RunnerError.unknownRun(runID).description)
            }
            do {
                var ending = SingleRun.Ending.finished
                try RankFailure.guarding {
                    ending = try SingleRun.execute(r, store: store, threads: Parallel.threadCount,
                                                   reporter: RankFailure.reporter(prefix: "[\(r.id.prefix(8))] "), stopSignal: StopSignals.received)
                }
                if case .preempted = ending { throw ExitCode(preemptedExitStatus) }
            } catch let e as RunnerError {
                guard case .locked = e else { throw e }
                FileHandle.standardError.write(Data("\(e)\n".utf8))
                throw ExitCode(heldElsewhereStatus)
            }
            return
        }
        let (spec, plan, store) = try options.planned()
        // What csit plan warns about is said again here, before hours of training.
        for w in plan.warnings { FileHandle.standardError.write(Data("warning: \(w)\n".utf8)) }
        for f in only where !plan.runs.contains(where: { $0.labels.contains { Self.matches($0, f) } }) {
            // A typo (mode=sslft) planned nothing and exited 0.
            let key = String(f.split(separator: "=").first ?? "")
            let values = Set(plan.runs.flatMap(\.labels).compactMap { Self.value(of: key, in: $0) }).sorted()
            throw ValidationError("--only \(f) matches no planned run"
                + (values.isEmpty ? "; keys: mode, fold, zoom, seed, label_fraction"
                                  : "; \(key) is one of " + values.joined(separator: ", ")
                                    + (values.closest(to: String(f.dropFirst(key.count + 1))).map { " (did you mean \(key)=\($0)?)" } ?? "")))
        }
        var selected = plan.runs.filter { r in only.allSatisfy { f in r.labels.contains { Self.matches($0, f) } } }
        let deps = Set(selected.compactMap(\.dependsOn))
        selected = plan.runs.filter { r in selected.contains { $0.id == r.id } || deps.contains(r.id) }
        let ordered = selected.filter { $0.config.mode == .ssl } + selected.filter { $0.config.mode != .ssl }
        do { try RunStore.makeFolder(spec.resultsDir) } catch let e as RunStoreError { throw ValidationError(e.description) }
        if dryRun && executor == "local" {
            print(plan.render(store: store), terminator: "")
            print("would run: " + ordered.filter { !store.isDone($0.id) }.map { String($0.id) }.joined(separator: " "))
            return
        }
        let executable = try ChildProcess.executablePath()
        if executor == "slurm" {
            var o = SlurmExecutor.Options()
            (o.partition, o.cpusPerTask, o.memory, o.time) = (partition, cpusPerTask, mem, time)
            (o.arrayParallelism, o.extraArguments, o.dryRun, o.signalGrace) = (arrayParallelism, sbatchArg, dryRun, signalGrace)
            guard dryRun || SlurmScheduler.available else { throw ValidationError("sbatch is not on PATH; is this a Slurm login node?") }
            let slurm = SlurmExecutor(options: o, command: RunCommand(executable: executable, specPath: options.spec, overrides: options.overrides),
                                      store: store)
            var filtered = plan
            filtered.runs = ordered
            let subs = try slurm.submit(filtered, specPath: options.spec)
            for (script, sub) in subs {
                if let sub { print("submitted job \(sub.jobID)\(sub.array ? " (array of \(sub.runs.count))" : ""): \(sub.runs.joined(separator: " "))") }
                else { print(script) }
            }
            if subs.isEmpty { print("nothing to submit: every run is done, queued or running") }
            print("watch with: \(slurm.command.statusCommandLine)")
            return
        }
        // Temporary files of this host's writers killed mid-write (never another host's:
        // compute nodes may be writing into the same folder).
        AtomicFile.removeStale(in: spec.resultsDir)
        for r in ordered where (try? store.lock(r.id)) == true {
            AtomicFile.removeStale(in: store.dir(r.id), locked: true)
            store.unlock(r.id)
        }
        var frozen = plan
        frozen.runs = ordered
        try FrozenPlan(frozen, specPath: options.spec).write(to: store)
        let executor = LocalExecutor(jobs: jobs, threadsPerJob: threads,
                                     command: RunCommand(executable: executable, specPath: options.spec, overrides: options.overrides))
        // Resources this machine cannot give are refused before anything runs.
        for r in ordered where !store.isDone(r.id) {
            do {
                _ = try LocalLaunch.make(r, command: executor.command, threadsPerJob: executor.threadsPerJob,
                                         cores: ProcessInfo.processInfo.activeProcessorCount, mpirun: SlurmScheduler.which("mpirun"), asRoot: getuid() == 0)
            } catch let e as RunnerError { throw ValidationError(e.description) }
        }
        executor.onUpdate = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        store.event(["event": "run-started", "spec": options.spec, "runs": String(ordered.count)])
        // Ctrl-C or a SIGTERM (a cluster's preemption notice) stops the children with the same
        // signal and waits for them; runs resume from their last checkpoint on the next start.
        let scheduler = executor.makeScheduler(store: store)
        let signals = SignalForwarder([SIGINT, SIGTERM, SIGUSR1]) { scheduler.cancel($0) }
        var failed = try executor.execute(ordered, plan: plan, store: store)
        let interrupted = failed.filter { $0.value == "interrupted" }.keys.sorted()
        if let sig = signals.received {
            store.event(["event": "run-interrupted", "signal": String(sig)])
            FileHandle.standardError.write(Data("interrupted: \(interrupted.count) runs stopped (checkpointed: state preempted); run the same command again to resume them\n".utf8))
            throw ExitCode(128 + sig)
        }
        // Children stopped by a signal from elsewhere checkpointed: resumable, not failed.
        for id in interrupted {
            failed[id] = nil
            FileHandle.standardError.write(Data("preempted \(id): checkpointed; run the same command again to resume it\n".utf8))
        }
        let tables = ResultTable.make(plan, store: store)
        for t in tables {
            try t.write(to: spec.resultsDir)
            print(t.markdown)
        }
        if !noReport { ReportCommand.refresh(spec.resultsDir) }
        for (id, msg) in failed.sorted(by: { $0.key < $1.key }) { FileHandle.standardError.write(Data("failed \(id): \(msg)\n".utf8)) }
        store.event(["event": "run-finished", "failed": String(failed.count)])
        if !failed.isEmpty { throw ExitCode(Int32(min(failed.count, 125))) }
        if !interrupted.isEmpty { throw ExitCode(preemptedExitStatus) }
        // A subset run on purpose (--only) leaves the tables partial; otherwise a cell short of
        // its runs is an error unless asked for.
        if only.isEmpty && !allowPartial { try TableCommand.refusePartial(tables, store: store) }
    }

    /// A label's value for an `--only` key, nil for an unknown key or no value.
    static func value(of key: String, in l: RunLabel) -> String? {
        switch key {
        case "mode": return l.mode
        case "fold": return l.fold.map(String.init)
        case "zoom": return l.zoom
        case "seed": return String(l.seed)
        case "label_fraction": return String(l.labelFraction)
        default: return nil
        }
    }

    static func matches(_ l: RunLabel, _ filter: String) -> Bool {
        let kv = filter.split(separator: "=", maxSplits: 1).map(String.init)
        guard kv.count == 2 else { return false }
        // Label fractions compare as numbers (0.5 and 5.0e-1 are one value).
        if kv[0] == "label_fraction" { return Double(kv[1]) == l.labelFraction }
        return value(of: kv[0], in: l) == kv[1]
    }
}
