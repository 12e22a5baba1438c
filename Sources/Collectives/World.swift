import Foundation

/// The launcher a process was started by, read from its environment, and the communicator
/// of the run it belongs to.
public enum World {
    /// The number of processes the launcher started (1 when none did).
    ///
    /// Open MPI's `mpirun` sets `OMPI_COMM_WORLD_SIZE`, MPICH-style launchers `PMI_SIZE`, and
    /// Slurm's `srun` `SLURM_STEP_NUM_TASKS` inside a job step (`SLURM_STEP_ID` tells a step
    /// from the batch shell, which has `SLURM_NTASKS` too but is one process).
    public static func launchedSize(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let s = env["OMPI_COMM_WORLD_SIZE"].flatMap(Int.init) { return s }
        if let s = env["PMI_SIZE"].flatMap(Int.init) { return s }
        if env["SLURM_STEP_ID"] != nil, let s = (env["SLURM_STEP_NUM_TASKS"] ?? env["SLURM_NTASKS"]).flatMap(Int.init) { return s }
        return 1
    }

    /// The processes of this run on this node (for the default thread count).
    public static func localRanks(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let s = env["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) { return Swift.max(s, 1) }
        if let s = env["MPI_LOCALNRANKS"].flatMap(Int.init) { return Swift.max(s, 1) }
        if env["SLURM_STEP_ID"] != nil, let t = env["SLURM_STEP_TASKS_PER_NODE"] ?? env["SLURM_TASKS_PER_NODE"],
           let n = Int(t.prefix { $0.isNumber }) { return Swift.max(n, 1) }
        return 1
    }

    /// Threads per process when neither `--threads` nor `CSIT_THREADS` says: the node's cores
    /// shared evenly by the run's processes on it.
    public static func defaultThreads(_ env: [String: String] = ProcessInfo.processInfo.environment,
                                      cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> Int {
        Swift.max(1, cores / localRanks(env))
    }

    nonisolated(unsafe) private static var _current: Communicator?
    private static let lock = NSLock()

    /// This process's communicator: MPI's world when a launcher started several processes,
    /// else ``SingleProcess``. Created on first use; a process that cannot join its MPI
    /// world stops with one line naming why (its peers then stop in MPI's start-up).
    public static var current: Communicator {
        lock.lock(); defer { lock.unlock() }
        if let c = _current { return c }
        let c: Communicator
        if launchedSize() > 1 {
            do { c = try MPICommunicator() } catch {
                FileHandle.standardError.write(Data("csit: \(error)\n".utf8))
                exit(70)
            }
        } else {
            c = SingleProcess()
        }
        _current = c
        return c
    }
}

extension World {
    /// The thread count a process should use: `requested` (`--threads`), else nil when
    /// `CSIT_THREADS` says or the process runs alone (the engine's default: every core),
    /// else the node's cores over the run's ranks on the node.
    public static func threads(requested: Int?, _ env: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        if let requested { return requested }
        if env["CSIT_THREADS"].flatMap(Int.init).map({ $0 > 0 }) == true || launchedSize(env) <= 1 { return nil }
        return defaultThreads(env)
    }
}
