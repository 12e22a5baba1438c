import Collectives
import Foundation
import TensorKit
import Training

/// Executes planned runs. The local executor starts one `csit run SPEC --run ID` process
/// per run (so each has its own thread settings and a crash loses only that run); a cluster
/// executor submits the same command as jobs.
public protocol Executor {
    /// Runs `runs` (already in dependency order), returning the ids that failed.
    func execute(_ runs: [PlannedRun], plan: Plan, store: RunStore) throws -> [String: String]
}

/// How to start the single-run entry point.
public struct RunCommand: Sendable {
    public var executable: String
    public var specPath: String
    public var overrides: [String]

    public init(executable: String, specPath: String, overrides: [String]) {
        (self.executable, self.specPath, self.overrides) = (executable, specPath, overrides)
    }

    public func arguments(id: String) -> [String] {
        ["run", specPath, "--run", id] + overrides.flatMap { ["--set", $0] }
    }

    /// The shell command that shows these runs' states: the same spec and overrides (a
    /// status without them names other runs).
    public var statusCommandLine: String {
        (["csit", "status", specPath] + overrides.flatMap { ["--set", $0] }).map(SlurmExecutor.quote).joined(separator: " ")
    }
}

/// Starts `csit run SPEC --run ID` child processes, each with its own thread count and its
/// output appended to the run's `train.log` (never truncated: a live run may be writing it).
public struct ProcessLauncher: RunLauncher {
    public var command: RunCommand
    public var store: RunStore
    public var threadsPerJob: Int
    /// The child's progress line goes to the terminal (one job at a time).
    public var progressToTerminal: Bool

    public func launch(_ run: PlannedRun, onExit: @escaping @Sendable (Int32) -> Void) throws -> LaunchedRun {
        let how = try LocalLaunch.make(run, command: command, threadsPerJob: threadsPerJob, cores: ProcessInfo.processInfo.activeProcessorCount,
                                       mpirun: SlurmScheduler.which("mpirun"), asRoot: getuid() == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: how.executable)
        p.arguments = how.arguments
        var env = ProcessInfo.processInfo.environment
        env["CSIT_THREADS"] = String(how.threads)
        // The child stops when this process dies (PR_SET_PDEATHSIG), checking it was not
        // orphaned before it asked. Under mpirun its parent is mpirun, which the check would
        // take for a dead runner: those ranks are stopped through mpirun (SIGUSR1) instead.
        if !how.viaMPI { env["CSIT_PARENT_PID"] = String(getpid()) }
        p.environment = env
        try RunStore.makeFolder(store.dir(run.id))
        let log = store.dir(run.id).appendingPathComponent("train.log")
        if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
        let h = try FileHandle(forWritingTo: log)
        h.seekToEndOfFile()
        p.standardOutput = h
        p.standardError = progressToTerminal ? FileHandle.standardError : h
        p.terminationHandler = { proc in
            try? h.close()
            onExit(proc.terminationStatus)
        }
        do { try p.run() } catch { try? h.close(); throw error }
        return ChildProcess(process: p, launch: how)
    }

    final class ChildProcess: LaunchedRun, @unchecked Sendable {
        let process: Process
        let launch: LocalLaunch
        init(process: Process, launch: LocalLaunch) { (self.process, self.launch) = (process, launch) }
        func send(_ signal: Int32) { if process.isRunning { kill(process.processIdentifier, launch.forwarded(signal)) } }
    }
}

/// Runs on this machine, `jobs` at a time, splitting the cores between them.
public final class LocalExecutor: Executor {
    public let jobs: Int
    public let command: RunCommand
    public var onUpdate: (@Sendable (String) -> Void)?
    /// Threads each child runs with.
    public let threadsPerJob: Int
    /// The scheduler of the current `execute` (for cancellation from a signal handler).
    public private(set) var scheduler: Scheduler?

    /// - Parameters:
    ///   - threadsPerJob: threads per child (nil: `CSIT_THREADS`, else the cores divided by `jobs`).
    public init(jobs: Int, threadsPerJob: Int? = nil, command: RunCommand) {
        self.jobs = Swift.max(1, jobs)
        let env = ProcessInfo.processInfo.environment["CSIT_THREADS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        self.threadsPerJob = threadsPerJob ?? env ?? Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / Swift.max(1, jobs))
        self.command = command
    }

    /// A scheduler over `store` that starts `csit run --run` children.
    public func makeScheduler(store: RunStore) -> Scheduler {
        let launcher = ProcessLauncher(command: command, store: store, threadsPerJob: threadsPerJob, progressToTerminal: jobs == 1)
        let s = Scheduler(jobs: jobs, launcher: launcher, store: Scheduler.Store(
            isDone: { store.isComplete($0) },
            isHeldElsewhere: { store.lockIsLive($0) },
            failure: { id, status in
                store.status(id).message ?? "exit status \(status); see \(store.dir(id).appendingPathComponent("train.log").path)"
            }))
        s.onUpdate = onUpdate
        s.onEvent = { store.event($0) }
        scheduler = s
        return s
    }

    public func execute(_ runs: [PlannedRun], plan: Plan, store: RunStore) throws -> [String: String] {
        let outcome = (scheduler ?? makeScheduler(store: store)).run(runs)
        var failed = outcome.failed
        for id in outcome.cancelled { failed[id] = "interrupted" }
        return failed
    }

    static func describe(_ r: PlannedRun) -> String {
        let l = r.labels[0]
        var parts = [l.mode]
        if let f = l.fold { parts.append("fold \(f)") }
        if let z = l.zoom { parts.append(z) }
        if l.labelFraction < 1 { parts.append("\(l.labelFraction * 100)% labels") }
        parts.append("seed \(l.seed)")
        if !l.sweep.isEmpty { parts.append(l.sweep) }
        return parts.joined(separator: ", ")
    }
}

/// The single-run entry point (`csit run SPEC --run ID`) shared by every executor.
public enum SingleRun {
    /// How a single run ended without an error.
    public enum Ending: Equatable, Sendable {
        case finished
        /// A stop signal made it checkpoint and stop (state `preempted`; exit 75).
        case preempted(String)
    }

    /// Locks the run, trains it in its folder, records provenance and the final state.
    ///
    /// - Parameters:
    ///   - threads: the thread count the command line resolved (recorded in provenance).
    ///   - stopSignal: the stop signal received, polled after every step.
    /// - Throws: when the run is locked by another live process or training fails.
    @discardableResult
    public static func execute(_ run: PlannedRun, store: RunStore, threads: Int?, reporter: ProgressReporter?,
                               stopSignal: @escaping () -> Int32? = { nil }) throws -> Ending {
        // The ranks of a data-parallel run train together; rank 0 alone locks, decides whether
        // there is anything to train (and tells the others), writes state and provenance
        // (the trainer writes the run folder from rank 0 only).
        let world = World.current
        guard world.isRoot else {
            guard world.broadcast(false) else { return .finished }
            let trainer = Trainer(config: run.config, execution: try execution(of: run, store: store, threads: threads),
                                  runDir: store.dir(run.id), reporter: nil)
            trainer.stopSignal = stopSignal
            return try trainer.run().stopped.map { .preempted($0.describe(steps: nil)) } ?? .finished
        }
        guard try store.lock(run.id) else { throw RunnerError.locked(run.id, store.lockHolder(run.id)) }
        defer { store.unlock(run.id) }
        if store.isComplete(run.id) { _ = world.broadcast(false); return .finished }
        AtomicFile.removeStale(in: store.dir(run.id), locked: true)
        let execution = try execution(of: run, store: store, threads: threads)
        _ = world.broadcast(true)
        try store.setStatus(run.id, .running)
        do {
            let trainer = Trainer(config: run.config, execution: execution, runDir: store.dir(run.id), reporter: reporter)
            trainer.stopSignal = stopSignal
            let result = try trainer.run()
            if let stop = result.stopped {
                let why = stop.describe(steps: nil)
                try store.setStatus(run.id, .preempted, message: why)
                store.event(["event": "preempted", "run": run.id, "epoch": String(stop.epoch + 1), "step": String(stop.step)])
                return .preempted(why)
            }
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try e.encode(Provenance.collect(config: run.config, execution: execution, runDir: store.dir(run.id))),
                                 to: store.dir(run.id).appendingPathComponent("provenance.json"))
            try AtomicFile.write(try e.encode(run.labels), to: store.dir(run.id).appendingPathComponent(RunStore.specEntriesFile))
            store.linkAliases(run.id, labels: run.labels)
            try store.recordResultHashes(run.id)
            try store.setStatus(run.id, .done, hashesRecorded: true)
            return .finished
        } catch {
            try? store.setStatus(run.id, .failed, message: "\(error)")
            throw error
        }
    }
}

extension SingleRun {
    /// How `run` executes here: the command line's threads, its readable label, and where
    /// the model of the SSL run it starts from lives.
    ///
    /// - Throws: `RunnerError.dependency` when that SSL run is not done.
    static func execution(of run: PlannedRun, store: RunStore, threads: Int?) throws -> ExecutionConfig {
        var execution = run.execution
        execution.threads = threads
        execution.label = run.labels.first.map(RunStore.alias)
        if let dep = run.dependsOn {
            guard store.isDone(dep) else { throw RunnerError.dependency(run.id, dep) }
            execution.initCheckpointPath = store.dir(dep).appendingPathComponent("model.safetensors").path
        }
        return execution
    }
}

/// Runner-level failures.
public enum RunnerError: Error, CustomStringConvertible, Equatable {
    case locked(String, String)
    case dependency(String, String)
    case unknownRun(String)
    case scheduler(String)
    /// `resources:` this executor cannot give a run.
    case resources(String, String)

    public var description: String {
        switch self {
        case let .locked(id, holder): return "run \(id) is being run by another process (\(holder))"
        case let .dependency(id, dep): return "run \(id) needs SSL run \(dep), which is not done"
        case .unknownRun(let id): return "no run '\(id)' in this plan"
        case .scheduler(let m): return m
        case let .resources(id, why): return "run \(id): \(why)"
        }
    }
}
