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
}

/// Runs on this machine, `jobs` at a time, splitting the cores between them.
public final class LocalExecutor: Executor {
    public let jobs: Int
    public let command: RunCommand
    public var onUpdate: ((String) -> Void)?

    /// Threads each child runs with.
    public let threadsPerJob: Int

    /// - Parameters:
    ///   - threadsPerJob: threads per child (nil: `CSIT_THREADS`, else the cores divided by `jobs`).
    public init(jobs: Int, threadsPerJob: Int? = nil, command: RunCommand) {
        self.jobs = Swift.max(1, jobs)
        let env = ProcessInfo.processInfo.environment["CSIT_THREADS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        self.threadsPerJob = threadsPerJob ?? env ?? Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / Swift.max(1, jobs))
        self.command = command
    }

    public func execute(_ runs: [PlannedRun], plan: Plan, store: RunStore) throws -> [String: String] {
        var failed: [String: String] = [:]
        var pending = runs
        var running: [String: Process] = [:]
        var done = Set(runs.filter { store.isDone($0.id) }.map(\.id))
        let total = runs.count
        var finished = done.count
        let start = Date()
        while !pending.isEmpty || !running.isEmpty {
            // Start what is ready: dependencies done, a slot free.
            while running.count < jobs, let i = pending.firstIndex(where: { r in
                r.dependsOn.map { done.contains($0) || failed[$0] != nil } ?? true }) {
                let r = pending.remove(at: i)
                if let dep = r.dependsOn, failed[dep] != nil {
                    failed[r.id] = "its SSL pretraining \(dep) failed"
                    store.event(["event": "skipped", "run": r.id, "reason": failed[r.id]!])
                    continue
                }
                if store.isDone(r.id) { done.insert(r.id); continue }
                let p = Process()
                p.executableURL = URL(fileURLWithPath: command.executable)
                p.arguments = command.arguments(id: r.id)
                var env = ProcessInfo.processInfo.environment
                env["CSIT_THREADS"] = String(threadsPerJob)
                p.environment = env
                try FileManager.default.createDirectory(at: store.dir(r.id), withIntermediateDirectories: true)
                let log = store.dir(r.id).appendingPathComponent("train.log")
                FileManager.default.createFile(atPath: log.path, contents: nil)
                let h = try FileHandle(forWritingTo: log)
                p.standardOutput = h
                // One job at a time: its live progress line goes to the terminal; with several,
                // each run's progress goes to its own train.log.
                p.standardError = jobs == 1 ? FileHandle.standardError : h
                try p.run()
                running[r.id] = p
                store.event(["event": "started", "run": r.id, "mode": r.config.mode.rawValue])
                onUpdate?("started \(r.id) (\(Self.describe(r)))")
            }
            // Reap finished processes.
            for (id, p) in running where !p.isRunning {
                running[id] = nil
                finished += 1
                if p.terminationStatus == 0 && store.isDone(id) {
                    done.insert(id)
                    store.event(["event": "done", "run": id])
                } else {
                    let msg = store.status(id).message ?? "exit status \(p.terminationStatus); see \(store.dir(id).appendingPathComponent("train.log").path)"
                    failed[id] = msg
                    store.event(["event": "failed", "run": id, "error": msg])
                }
                let elapsed = Date().timeIntervalSince(start)
                let eta = finished > 0 ? elapsed / Double(finished) * Double(total - finished) : .nan
                onUpdate?("runs \(finished)/\(total) (\(failed.count) failed), ETA \(ProgressReporter.duration(eta)): "
                          + (failed[id].map { "\(id) failed: \($0)" } ?? "\(id) done"))
            }
            if !running.isEmpty { usleep(200_000) }
            if running.isEmpty && !pending.isEmpty && !pending.contains(where: { r in r.dependsOn.map { done.contains($0) || failed[$0] != nil } ?? true }) {
                for r in pending { failed[r.id] = "dependency \(r.dependsOn ?? "?") is not done" }
                pending.removeAll()
            }
        }
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
    /// Locks the run, trains it in its folder, records provenance and the final state.
    ///
    /// - Parameters:
    ///   - threads: the thread count the command line resolved (recorded in provenance).
    /// - Throws: when the run is locked by another live process or training fails.
    public static func execute(_ run: PlannedRun, store: RunStore, threads: Int?, reporter: ProgressReporter?) throws {
        guard try store.lock(run.id) else { throw RunnerError.locked(run.id, store.dir(run.id).appendingPathComponent("lock").path) }
        defer { store.unlock(run.id) }
        if store.isDone(run.id) { return }
        var execution = run.execution
        execution.threads = threads
        if let dep = run.dependsOn {
            guard store.isDone(dep) else { throw RunnerError.dependency(run.id, dep) }
            execution.initCheckpointPath = store.dir(dep).appendingPathComponent("model.safetensors").path
        }
        try store.setStatus(run.id, .running)
        do {
            let trainer = Trainer(config: run.config, execution: execution, runDir: store.dir(run.id), reporter: reporter)
            _ = try trainer.run()
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try e.encode(Provenance.collect(config: run.config, execution: execution, runDir: store.dir(run.id))),
                                 to: store.dir(run.id).appendingPathComponent("provenance.json"))
            try AtomicFile.write(try e.encode(run.labels), to: store.dir(run.id).appendingPathComponent("labels.json"))
            try store.setStatus(run.id, .done)
        } catch {
            try? store.setStatus(run.id, .failed, message: "\(error)")
            throw error
        }
    }
}

/// Runner-level failures.
public enum RunnerError: Error, CustomStringConvertible, Equatable {
    case locked(String, String)
    case dependency(String, String)
    case unknownRun(String)
    case scheduler(String)

    public var description: String {
        switch self {
        case let .locked(id, path): return "run \(id) is being run by another process (lock \(path))"
        case let .dependency(id, dep): return "run \(id) needs SSL run \(dep), which is not done"
        case .unknownRun(let id): return "no run '\(id)' in this plan"
        case .scheduler(let m): return m
        }
    }
}
