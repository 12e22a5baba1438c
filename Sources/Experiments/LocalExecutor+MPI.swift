import Foundation
import Training

/// How the local executor starts a run: `csit run SPEC --run ID`, or for a run whose
/// `resources:` ask for more than one task, `mpirun -np <tasks> csit run SPEC --run ID`.
public struct LocalLaunch: Equatable, Sendable {
    public var executable: String
    public var arguments: [String]
    /// CSIT_THREADS of each process: the run's `cpus_per_task`, else the executor's share.
    public var threads: Int
    /// True when started through mpirun: stop signals go to it as SIGUSR1, which Open MPI
    /// passes to every rank (SIGINT and SIGTERM would make it kill them before they checkpoint).
    public var viaMPI: Bool

    public init(executable: String, arguments: [String], threads: Int, viaMPI: Bool) {
        (self.executable, self.arguments, self.threads, self.viaMPI) = (executable, arguments, threads, viaMPI)
    }

    /// - Parameters:
    ///   - cores: this machine's cores (more tasks than cores adds `--oversubscribe`).
    ///   - mpirun: the mpirun executable (nil when it is not installed).
    ///   - asRoot: running as root (Open MPI then needs `--allow-run-as-root`).
    /// - Throws: `RunnerError.resources` naming the run and the value this machine cannot give.
    public static func make(_ run: PlannedRun, command: RunCommand, threadsPerJob: Int, cores: Int, mpirun: String?,
                            asRoot: Bool) throws -> LocalLaunch {
        let r = run.resources
        // Without cpus_per_task the job's share of the cores is split among its ranks.
        let threads = r.cpusPerTask ?? Swift.max(1, threadsPerJob / Swift.max(1, r.tasks))
        guard r.tasks > 1 else {
            return LocalLaunch(executable: command.executable, arguments: command.arguments(id: run.id), threads: threads, viaMPI: false)
        }
        if let nodes = r.nodes, nodes > 1 {
            throw RunnerError.resources(run.id, "resources.nodes = \(nodes), but the local executor runs on this one machine (use --executor slurm)")
        }
        guard let mpirun else {
            throw RunnerError.resources(run.id, "resources ask for \(r.tasks) tasks, but mpirun is not on PATH (make deps installs openmpi-bin)")
        }
        // Open MPI binds each rank to one core by default (np ≤ 2); a rank runs threads.
        var args = ["-np", String(r.tasks), "--bind-to", "none"]
        if r.tasks > cores { args.append("--oversubscribe") }
        if asRoot { args.append("--allow-run-as-root") }
        args += [command.executable] + command.arguments(id: run.id)
        return LocalLaunch(executable: mpirun, arguments: args, threads: threads, viaMPI: true)
    }

    /// The signal a child started this way gets for a runner's `signal`.
    public func forwarded(_ signal: Int32) -> Int32 { viaMPI && signal != SIGKILL ? SIGUSR1 : signal }
}
