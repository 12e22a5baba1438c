import Foundation
import Training

/// Submits runs to Slurm: each SSL pretraining as its own job, then the downstream runs as
/// one job array per distinct `resources:` that starts after them (`--dependency=afterok:…`).
/// Every task runs `csit run SPEC --run ID` with `--cpus-per-task` threads (under srun or
/// mpirun when it has more than one task); results, logs and locks live in the results
/// folder, which every node must see. Jobs are submitted with `--signal=B:USR1@<grace>` and
/// `--requeue`: a signalled run checkpoints, exits 75 and its script requeues the job.
public final class SlurmExecutor {
    public struct Options: Sendable {
        public var partition: String?
        public var cpusPerTask = 2
        public var memory: String?
        public var time: String?
        public var arrayParallelism: Int?
        public var extraArguments: [String] = []
        public var dryRun = false
        /// Seconds before the time limit Slurm sends USR1 (`--signal=B:USR1@<grace>`): enough
        /// to finish a step and write a checkpoint.
        public var signalGrace = 120
        /// How multi-task jobs start their ranks (nil: from `srun --mpi=list` at submit time).
        public var launcher: Launcher?
        /// Submitting as root: mpirun needs Open MPI's run-as-root permission in the script.
        public var runAsRoot = getuid() == 0
        public init() {}
    }

    /// One submission: a job (or array) and the runs of its tasks in order.
    public struct Submission: Codable, Sendable {
        public var jobID: String
        public var array: Bool
        public var runs: [String]
        public var time: String
    }

    public let options: Options
    public let command: RunCommand
    public let store: RunStore
    public var scheduler: SlurmScheduler

    public init(options: Options, command: RunCommand, store: RunStore, scheduler: SlurmScheduler = SlurmScheduler()) {
        (self.options, self.command, self.store, self.scheduler) = (options, command, store, scheduler)
    }

    var slurmDir: URL { store.root.appendingPathComponent("slurm") }

    static func quote(_ s: String) -> String {
        s.allSatisfy { $0.isLetter || $0.isNumber || "/._-=:,+".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Submits the runs of `plan` that are neither done nor queued or running.
    ///
    /// - Returns: the scripts (dry run) or the submissions made.
    @discardableResult
    public func submit(_ plan: Plan, specPath: String) throws -> [(script: String, submission: Submission?)] {
        try FileManager.default.createDirectory(at: slurmDir, withIntermediateDirectories: true)
        if !options.dryRun { try FrozenPlan(plan, specPath: specPath).write(to: store) }
        let active = options.dryRun ? [:] : scheduler.activeRuns(submissions: submissions())
        let pending = plan.runs.filter { !store.isDone($0.id) && active[$0.id] == nil }
        let name = "csit-\(plan.spec.name)"
        // Slurm's MPI plugins are looked at once, and only when a job has more than one task.
        let launcher = options.launcher ?? (pending.contains { jobResources($0.resources).tasks > 1 } ? scheduler.mpiLauncher() : nil)
        var out: [(String, Submission?)] = []
        var sslJobs: [String: String] = [:]
        for r in pending where r.config.mode == .ssl {
            let s = script(runs: [r.id], array: false, name: name + "-ssl", dependency: [], resources: r.resources, launcher: launcher)
            let sub = try send(s, runs: [r.id], array: false)
            // A dry run shows the dependency with a placeholder for the job id to come.
            sslJobs[r.id] = sub?.jobID ?? "<job of \(r.id)>"
            out.append((s, sub))
        }
        let downstream = pending.filter { $0.config.mode != .ssl && !($0.dependsOn.map { !store.isDone($0) && active[$0] == nil && sslJobs[$0] == nil } ?? false) }
        // One array per distinct resources (an array's tasks share one shape), in plan order.
        var groups: [(resources: Resources, runs: [PlannedRun])] = []
        for r in downstream {
            if let i = groups.firstIndex(where: { $0.resources == r.resources }) { groups[i].runs.append(r) } else { groups.append((r.resources, [r])) }
        }
        for group in groups {
            // Wait for the pretraining jobs this array needs: submitted now or still queued/running.
            let deps = Set(group.runs.compactMap(\.dependsOn)).compactMap { sslJobs[$0] ?? active[$0]?.jobID }.sorted()
            let s = script(runs: group.runs.map(\.id), array: true, name: name, dependency: deps, resources: group.resources, launcher: launcher)
            out.append((s, try send(s, runs: group.runs.map(\.id), array: true)))
        }
        return out
    }

    func send(_ script: String, runs: [String], array: Bool) throws -> Submission? {
        if options.dryRun { return nil }
        let file = slurmDir.appendingPathComponent("submit-\(UUID().uuidString.prefix(8)).sh")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let jobID = try scheduler.sbatch(file)
        let sub = Submission(jobID: jobID, array: array, runs: runs, time: ISO8601DateFormatter().string(from: Date()))
        let line = String(decoding: try JSONEncoder().encode(sub), as: UTF8.self) + "\n"
        let url = slurmDir.appendingPathComponent("submissions.jsonl")
        let old = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        try (old + line).write(to: url, atomically: true, encoding: .utf8)
        store.event(["event": "submitted", "job": jobID, "runs": runs.joined(separator: ",")])
        return sub
    }

    public func submissions() -> [Submission] {
        guard let text = try? String(contentsOf: slurmDir.appendingPathComponent("submissions.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Submission.self, from: Data($0.utf8)) }
    }
}

/// The scheduler's commands (`sbatch`, `squeue`, `scontrol`), found on PATH.
public struct SlurmScheduler: Sendable {
    public init() {}

    /// A task's scheduler state.
    public struct TaskState: Sendable {
        public var jobID: String
        /// PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, …
        public var state: String
        public var reason: String
        /// How many times Slurm requeued the job (`Restarts=`).
        public var restarts = 0
        public var active: Bool { ["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "RESIZING", "SUSPENDED"].contains(state) }
    }

    public static var available: Bool { which("sbatch") != nil }

    public static func which(_ tool: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    func call(_ tool: String, _ args: [String]) -> (Int32, String) {
        guard let path = Self.which(tool) else { return (127, "\(tool) not found") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        guard (try? p.run()) != nil else { return (127, "cannot start \(tool)") }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, out.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// How this cluster's multi-task jobs start their ranks, from `srun --mpi=list`.
    public func mpiLauncher() -> SlurmExecutor.Launcher {
        let (rc, out) = call("srun", ["--mpi=list"])
        return .choose(mpiList: out, status: rc)
    }

    /// Submits a script; returns the job id.
    public func sbatch(_ script: URL) throws -> String {
        let (rc, out) = call("sbatch", ["--parsable", script.path])
        guard rc == 0, let id = out.split(separator: ";").first.map(String.init), !id.isEmpty else {
            throw RunnerError.scheduler("sbatch \(script.path) failed: \(out)")
        }
        return id
    }

    /// The state of task `index` of job `jobID` (the job itself when not an array).
    public func state(jobID: String, index: Int?) -> TaskState? {
        let task = index.map { "\(jobID)_\($0)" } ?? jobID
        let (rc, out) = call("scontrol", ["show", "job", "-o", task])
        if rc == 0, !out.isEmpty {
            // An array whose tasks are still pending shows as one record: find ours or the first.
            let records = out.split(separator: "\n").map(String.init)
            let record = records.first { $0.contains("ArrayTaskId=\(index.map(String.init) ?? "")") || $0.contains("JobId=\(task) ") } ?? records[0]
            func field(_ name: String) -> String {
                guard let r = record.range(of: "\(name)=") else { return "" }
                return String(record[r.upperBound...].prefix { $0 != " " })
            }
            return TaskState(jobID: task, state: field("JobState"), reason: field("Reason"), restarts: Int(field("Restarts")) ?? 0)
        }
        let (rc2, q) = call("squeue", ["-h", "-j", jobID, "-o", "%i %T %r"])
        if rc2 == 0 {
            for line in q.split(separator: "\n") {
                let f = line.split(separator: " ").map(String.init)
                if f.count >= 3, f[0] == task || f[0].hasPrefix("\(jobID)_[") { return TaskState(jobID: task, state: f[1], reason: f[2]) }
            }
        }
        return nil
    }

    /// Runs whose latest submission is still pending or running.
    public func activeRuns(submissions: [SlurmExecutor.Submission]) -> [String: TaskState] {
        var latest: [String: (SlurmExecutor.Submission, Int)] = [:]
        for s in submissions { for (i, r) in s.runs.enumerated() { latest[r] = (s, i) } }
        var out: [String: TaskState] = [:]
        for (run, (sub, i)) in latest {
            if let st = state(jobID: sub.jobID, index: sub.array ? i : nil), st.active { out[run] = st }
        }
        return out
    }
}
