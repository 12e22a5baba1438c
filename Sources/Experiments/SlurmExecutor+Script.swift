import Foundation
import Training

extension SlurmExecutor {
    /// How a job of more than one task starts its ranks.
    public enum Launcher: Equatable, Sendable {
        /// `srun --mpi=<plugin>`: Slurm's MPI plugin (pmix, else pmi2) wires the ranks.
        case srun(mpi: String)
        /// `mpirun` inside the allocation (Open MPI reads the allocation from Slurm), when
        /// Slurm offers no MPI plugin; `why` says what `srun --mpi=list` said.
        case mpirun(why: String)

        /// The launcher `srun --mpi=list` output allows: pmix, else pmi2, else mpirun.
        public static func choose(mpiList output: String, status: Int32) -> Launcher {
            guard status == 0 else {
                let first = output.split(separator: "\n").first.map(String.init) ?? "no output"
                return .mpirun(why: "srun --mpi=list failed (\(first))")
            }
            let plugins = Set(output.split(whereSeparator: { " \n\t:".contains($0) }).map { $0.lowercased() })
            if let p = plugins.first(where: { $0.hasPrefix("pmix") }) { return .srun(mpi: p == "pmix" ? p : "pmix") }
            if plugins.contains("pmi2") { return .srun(mpi: "pmi2") }
            return .mpirun(why: "srun --mpi=list offers neither pmix nor pmi2")
        }
    }

    /// A job's resources: the run's `resources:` over the command line's defaults
    /// (`--cpus-per-task`, `--mem`, `--time`).
    func jobResources(_ run: Resources) -> Resources {
        run.over(Resources(cpusPerTask: options.cpusPerTask, mem: options.memory, time: options.time))
    }

    /// The batch script for `runs` (an array when `array`), all with `resources`.
    ///
    /// The csit child runs in the background so the script's trap can pass Slurm's USR1
    /// (sent to this batch shell `signalGrace` seconds before the time limit, or by
    /// `scancel --signal=USR1 --batch`) on to it; the run finishes its step, checkpoints
    /// and exits 75, and the script requeues its own job: the job id stays, so jobs that
    /// depend on it keep waiting for it.
    public func script(runs: [String], array: Bool, name: String, dependency: [String], resources: Resources = Resources(),
                       launcher: Launcher? = nil) -> String {
        let r = jobResources(resources)
        var s = "#!/bin/bash\n#SBATCH --job-name=\(name)\n"
        s += "#SBATCH --output=\(slurmDir.path)/%x_%A_%a.out\n"
        // A requeued job appends to its output instead of truncating the first attempt's.
        s += "#SBATCH --open-mode=append\n"
        if let n = r.nodes { s += "#SBATCH --nodes=\(n)\n" }
        if let t = r.tasksPerNode { s += "#SBATCH --ntasks-per-node=\(t)\n" }
        let cpus = r.cpusPerTask ?? options.cpusPerTask
        s += "#SBATCH --cpus-per-task=\(cpus)\n"
        if let p = options.partition { s += "#SBATCH --partition=\(p)\n" }
        if let m = r.mem { s += "#SBATCH --mem=\(m)\n" }
        if let t = r.time { s += "#SBATCH --time=\(t)\n" }
        if array { s += "#SBATCH --array=0-\(runs.count - 1)" + (options.arrayParallelism.map { "%\($0)" } ?? "") + "\n" }
        if !dependency.isEmpty { s += "#SBATCH --dependency=afterok:\(dependency.joined(separator: ":"))\n" }
        s += "#SBATCH --signal=B:USR1@\(options.signalGrace)\n#SBATCH --requeue\n"
        for a in options.extraArguments { s += "#SBATCH \(a)\n" }
        s += "# The results folder must be on a filesystem every node sees.\n"
        s += "RUNS=(\(runs.joined(separator: " ")))\n"
        s += "export CSIT_THREADS=${SLURM_CPUS_PER_TASK:-\(cpus)}\n"
        s += "cd \(Self.quote(FileManager.default.currentDirectoryPath))\n"
        let index = array ? "${SLURM_ARRAY_TASK_ID}" : "0"
        let args = command.arguments(id: "${RUNS[\(index)]}").map { $0.hasPrefix("${RUNS") ? "\"\($0)\"" : Self.quote($0) }
        let csit = ([Self.quote(command.executable)] + args).joined(separator: " ")
        s += """
        # Slurm signals this shell (B:USR1, \(options.signalGrace) s before the time limit; scancel --signal=USR1 --batch):
        # pass USR1 on (srun and mpirun forward it to every rank), wait for the run to checkpoint
        # and exit \(preemptedExitStatus), then requeue this job; its id stays, so dependent jobs keep waiting.
        trap 'kill -USR1 "$child" 2>/dev/null' USR1 TERM

        """
        s += launchLines(tasks: r.tasks, launcher: launcher ?? .mpirun(why: "no launcher was chosen"), csit: csit)
        s += """
        child=$!
        # wait returns early when the trap runs; the last wait collects the run's own status.
        while kill -0 "$child" 2>/dev/null; do wait "$child"; done
        wait "$child"; status=$?
        if [ "$status" -eq \(preemptedExitStatus) ]; then
          echo "csit: the run checkpointed and stopped (exit \(preemptedExitStatus)); requeueing job $SLURM_JOB_ID"
          scontrol requeue "$SLURM_JOB_ID" && exit 0
        fi
        exit "$status"

        """
        return s
    }

    /// The comment saying which launcher and why, and the background start of the run.
    func launchLines(tasks: Int, launcher: Launcher, csit: String) -> String {
        guard tasks > 1 else { return "# One task: csit runs directly (no srun).\n\(csit) &\n" }
        switch launcher {
        case .srun(let mpi):
            // Since Slurm 22.05 srun no longer inherits the job's --cpus-per-task: without it each
            // rank would be bound to one CPU.
            return "# \(tasks) ranks, started by srun with Slurm's MPI plugin (srun --mpi=list offers \(mpi) on the submitting node).\n"
                + "srun --mpi=\(mpi) --cpus-per-task=\"$CSIT_THREADS\" \(csit) &\n"
        case .mpirun(let why):
            // As root Open MPI refuses to start without these.
            let root = options.runAsRoot ? "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1\n" : ""
            return "# \(tasks) ranks, started by Open MPI's mpirun inside the allocation: \(why).\n"
                + root + "mpirun -np \(tasks) \(csit) &\n"
        }
    }
}
