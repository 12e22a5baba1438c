import Foundation
import XCTest
import Experiments
import Training

/// `resources:` in specs (validation with locations, inner over outer, not part of the id),
/// and what the executors make of it: #SBATCH lines, srun or mpirun, the USR1 trap and
/// requeue, one array per distinct resources, and the local mpirun command line.
final class ResourcesTests: XCTestCase {
    let base = """
    name: r
    dataset:
      kind: nct
      root: /nowhere
    protocol:
      folds: 3
    modes: [ft, le]
    ssl:
      epochs: 1
    train:
      epochs: 1
    """

    func parse(_ text: String, overrides: [String] = []) throws -> ExperimentSpec {
        try ExperimentSpec.parse(text, file: "spec.yaml", overrides: overrides, checkPaths: false)
    }

    func expectError(_ text: String, overrides: [String] = [], _ message: String, line: UInt = #line) {
        XCTAssertThrowsError(try parse(text, overrides: overrides), line: line) { error in
            XCTAssertEqual("\(error)", message, line: line)
        }
    }

    func testBadResourcesNameFileLineColumnKeyAndExpectation() {
        let memory = "a memory size like 16G, 4000M or 1T (K, M, G, T; a whole number)"
        let time = "a Slurm time: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS"
        expectError(base + "\nresources:\n  mem: 16GB", "spec.yaml:13:8: resources.mem = 16GB: expected \(memory)")
        expectError(base + "\nresources:\n  nodes: 0", "spec.yaml:13:10: resources.nodes = 0: expected an integer in 1…100000")
        expectError(base.replacingOccurrences(of: "ssl:\n  epochs: 1", with: "ssl:\n  epochs: 1\n  resources: {time: \"25:61:00\"}"),
                    "spec.yaml:10:21: ssl.resources.time = 25:61:00: expected \(time)")
        expectError(base + "\n  ft:\n    resources:\n      cpus_per_task: two",
                    "spec.yaml:14:22: train.ft.resources.cpus_per_task: expected an integer in 1…100000")
        expectError(base + "\n  le:\n    resources:\n      node: 1",
                    "spec.yaml:14:13: unknown key 'train.le.resources.node' (did you mean 'train.le.resources.nodes'?)")
        expectError(base + "\n  le:\n    resources:\n      gpus: 1", "spec.yaml:14:13: unknown key 'train.le.resources.gpus'")
        expectError(base, overrides: ["resources.nodes=1,2"], "--set resources.nodes=1,2: sweep = resources.nodes: expected a key that changes runs (resources are set, not swept)")
        for good in ["30", "90:30", "12:00:00", "1-00", "2-12:30", "1-00:00:01", "100:00:00"] { XCTAssertTrue(Resources.isTime(good), good) }
        for bad in ["", "0", "0:00:00", "1-24", "12:60", "1-2-3", "1h", "-1", "1-", ":30", "1:2:3:4"] { XCTAssertFalse(Resources.isTime(bad), bad) }
        for good in ["16G", "4000M", "4000", "1T", "512k"] { XCTAssertTrue(Resources.isMemory(good), good) }
        for bad in ["", "G", "0G", "16GB", "1.5G", "-4G", "16 G"] { XCTAssertFalse(Resources.isMemory(bad), bad) }
    }

    /// Inner blocks override outer ones field by field, and resources never change a run's id.
    func testInnerOverridesOuterAndIdsDoNotChange() throws {
        let with = base + """

          le:
            resources: {nodes: 2, mem: 32G}
        resources: {cpus_per_task: 4, mem: 8G, time: "1-00:00:00"}
        """
        let withSSL = with.replacingOccurrences(of: "ssl:\n  epochs: 1", with: "ssl:\n  epochs: 1\n  resources: {tasks_per_node: 2}")
        let plain = try Plan.make(try parse(base))
        let planned = try Plan.make(try parse(withSSL))
        XCTAssertEqual(planned.runs.map(\.id), plain.runs.map(\.id), "resources are not part of a run's identity")
        let byMode = Dictionary(grouping: planned.runs, by: { $0.config.mode })
        XCTAssertEqual(byMode[.ssl]?.first?.resources, Resources(tasksPerNode: 2, cpusPerTask: 4, mem: "8G", time: "1-00:00:00"))
        XCTAssertEqual(byMode[.ft]?.first?.resources, Resources(cpusPerTask: 4, mem: "8G", time: "1-00:00:00"))
        XCTAssertEqual(byMode[.le]?.first?.resources, Resources(nodes: 2, cpusPerTask: 4, mem: "32G", time: "1-00:00:00"))
        XCTAssertEqual(byMode[.le]?.first?.resources.tasks, 2)
        XCTAssertEqual(byMode[.le]?.first?.resources.summary, "2 nodes × 4 cpus per task, mem 32G, time 1-00:00:00")
        XCTAssertTrue(planned.render(store: RunStore(root: URL(fileURLWithPath: "/nowhere/results"))).contains("{2 nodes × 4 cpus per task, mem 32G"))
        // --set reaches them like any spec key.
        let set = try Plan.make(try parse(withSSL, overrides: ["train.le.resources.mem=64G"]))
        XCTAssertEqual(set.runs.first { $0.config.mode == .le }?.resources.mem, "64G")
    }

    func executor(_ options: SlurmExecutor.Options = .init()) -> SlurmExecutor {
        SlurmExecutor(options: options, command: RunCommand(executable: "/opt/csit", specPath: "s.yaml", overrides: []),
                      store: RunStore(root: URL(fileURLWithPath: "/shared/results")))
    }

    func testScriptsCarryResourcesTheLauncherAndTheRequeueTrap() {
        var o = SlurmExecutor.Options()
        (o.cpusPerTask, o.memory, o.time, o.signalGrace, o.runAsRoot) = (2, "4G", "02:00:00", 90, false)
        let e = executor(o)
        let multi = Resources(nodes: 2, tasksPerNode: 4, cpusPerTask: 8, mem: "16G")
        let srun = e.script(runs: ["abc"], array: false, name: "j", dependency: [], resources: multi, launcher: .srun(mpi: "pmix"))
        for line in ["#SBATCH --nodes=2\n", "#SBATCH --ntasks-per-node=4\n", "#SBATCH --cpus-per-task=8\n", "#SBATCH --mem=16G\n",
                     "#SBATCH --time=02:00:00\n", "#SBATCH --signal=B:USR1@90\n", "#SBATCH --requeue\n", "#SBATCH --open-mode=append\n",
                     "export CSIT_THREADS=${SLURM_CPUS_PER_TASK:-8}\n",
                     "# 8 ranks, started by srun with Slurm's MPI plugin (srun --mpi=list offers pmix on the submitting node).\n",
                     "srun --mpi=pmix --cpus-per-task=\"$CSIT_THREADS\" /opt/csit run s.yaml --run \"${RUNS[0]}\" &\nchild=$!\n",
                     "trap 'kill -USR1 \"$child\" 2>/dev/null' USR1 TERM\n",
                     "if [ \"$status\" -eq 75 ]; then\n", "scontrol requeue \"$SLURM_JOB_ID\" && exit 0\n", "exit \"$status\"\n"] {
            XCTAssertTrue(srun.contains(line), "missing \(line) in\n\(srun)")
        }
        XCTAssertFalse(srun.contains("exec "), "the child runs in the background so the trap can reach it")
        var root = o
        root.runAsRoot = true
        let mpirun = executor(root).script(runs: ["a", "b"], array: true, name: "j", dependency: ["7"],
                                           resources: Resources(tasksPerNode: 2), launcher: .mpirun(why: "srun --mpi=list offers neither pmix nor pmi2"))
        XCTAssertTrue(mpirun.contains("# 2 ranks, started by Open MPI's mpirun inside the allocation: srun --mpi=list offers neither pmix nor pmi2.\n"
                                      + "export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1\n"
                                      + "mpirun -np 2 /opt/csit run s.yaml --run \"${RUNS[${SLURM_ARRAY_TASK_ID}]}\" &\n"), mpirun)
        XCTAssertTrue(mpirun.contains("#SBATCH --cpus-per-task=2\n#SBATCH --mem=4G\n"), "the command line's defaults fill what resources leave unset")
        let single = e.script(runs: ["a"], array: false, name: "j", dependency: [])
        XCTAssertTrue(single.contains("# One task: csit runs directly (no srun).\n/opt/csit run s.yaml --run \"${RUNS[0]}\" &\n"), single)
        XCTAssertFalse(single.contains("--nodes") || single.contains("--ntasks-per-node"), single)
    }

    /// The script's trap and wait, run by bash: USR1 reaches the child, whose exit 75 makes
    /// the script requeue (scontrol replaced by a stub that records its argument).
    func testTheScriptForwardsUSR1AndRequeuesOnExit75() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-script-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // A fake csit: on USR1 it "checkpoints" (writes a file) and exits 75.
        let fake = dir.appendingPathComponent("csit")
        try "#!/bin/bash\ntrap 'echo stopped > \(dir.path)/stopped; exit 75' USR1\nfor i in $(seq 100); do sleep 0.1; done\nexit 0\n"
            .write(to: fake, atomically: true, encoding: .utf8)
        let scontrol = dir.appendingPathComponent("scontrol")
        try "#!/bin/bash\necho \"$@\" > \(dir.path)/requeued\n".write(to: scontrol, atomically: true, encoding: .utf8)
        for f in [fake, scontrol] { chmod(f.path, 0o755) }
        let e = SlurmExecutor(options: .init(), command: RunCommand(executable: fake.path, specPath: "s.yaml", overrides: []),
                              store: RunStore(root: dir))
        let script = dir.appendingPathComponent("job.sh")
        try e.script(runs: ["r1"], array: false, name: "j", dependency: []).write(to: script, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script.path]
        p.environment = ["PATH": "\(dir.path):/usr/bin:/bin", "SLURM_JOB_ID": "4242"]
        p.currentDirectoryURL = dir
        try p.run()
        Thread.sleep(forTimeInterval: 0.5)
        kill(p.processIdentifier, SIGUSR1)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "requeued jobs end cleanly")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("stopped"), encoding: .utf8), "stopped\n", "USR1 reached the run")
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("requeued"), encoding: .utf8), "requeue 4242\n")
    }

    func testLauncherFromSrunMpiList() {
        typealias L = SlurmExecutor.Launcher
        XCTAssertEqual(L.choose(mpiList: "srun: MPI types are...\nsrun: none\nsrun: pmi2\nsrun: pmix\nsrun: pmix_v4", status: 0), .srun(mpi: "pmix"))
        XCTAssertEqual(L.choose(mpiList: "srun: MPI types are...\nsrun: cray_shasta\nsrun: none\nsrun: pmi2", status: 0), .srun(mpi: "pmi2"))
        XCTAssertEqual(L.choose(mpiList: "srun: MPI types are...\nsrun: none", status: 0), .mpirun(why: "srun --mpi=list offers neither pmix nor pmi2"))
        XCTAssertEqual(L.choose(mpiList: "srun: fatal: no config", status: 1), .mpirun(why: "srun --mpi=list failed (srun: fatal: no config)"))
    }

    /// Downstream runs with different resources go to different arrays, each with its lines.
    func testOneArrayPerDistinctResources() throws {
        let text = base + """

          le:
            resources: {cpus_per_task: 8}
        """
        let plan = try Plan.make(try parse(text.replacingOccurrences(of: "modes: [ft, le]", with: "modes: [ft, le]\nresources: {mem: 8G}")))
        var o = SlurmExecutor.Options()
        (o.dryRun, o.launcher) = (true, .srun(mpi: "pmix"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-arrays-\(getpid())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = SlurmExecutor(options: o, command: RunCommand(executable: "/opt/csit", specPath: "s.yaml", overrides: []), store: RunStore(root: dir))
        let scripts = try e.submit(plan, specPath: "s.yaml").map(\.script)
        XCTAssertEqual(scripts.count, 3, "the SSL job, then one array for ft and one for le")
        XCTAssertFalse(scripts[1].contains("--dependency"), "ft needs no pretraining: \(scripts[1])")
        XCTAssertTrue(scripts[2].contains("--dependency=afterok:<job of"), scripts[2])
        XCTAssertTrue(scripts[1].contains("#SBATCH --array=0-2\n") && scripts[1].contains("--cpus-per-task=2\n") && scripts[1].contains("--mem=8G\n"), scripts[1])
        XCTAssertTrue(scripts[2].contains("#SBATCH --array=0-2\n") && scripts[2].contains("--cpus-per-task=8\n") && scripts[2].contains("--mem=8G\n"), scripts[2])
    }

    /// The local executor's command line for a multi-task run (the numbers of P = 2 are
    /// checked in DataParallelTests; this checks what is started): ranks unbound, each with
    /// its share of the job's threads when cpus_per_task does not say.
    func testLocalMultiTaskRunsStartUnderMpirun() throws {
        let command = RunCommand(executable: "/opt/csit", specPath: "s.yaml", overrides: ["train.lr=1e-3"])
        func run(_ r: Resources) -> PlannedRun {
            PlannedRun(id: "abc", config: RunConfig.paper(.ft), execution: ExecutionConfig(), dependsOn: nil, labels: [], resources: r)
        }
        let one = try LocalLaunch.make(run(Resources()), command: command, threadsPerJob: 2, cores: 2, mpirun: "/usr/bin/mpirun", asRoot: true)
        XCTAssertEqual(one, LocalLaunch(executable: "/opt/csit", arguments: ["run", "s.yaml", "--run", "abc", "--set", "train.lr=1e-3"], threads: 2, viaMPI: false))
        let two = try LocalLaunch.make(run(Resources(tasksPerNode: 2, cpusPerTask: 1)), command: command, threadsPerJob: 2, cores: 2,
                                       mpirun: "/usr/bin/mpirun", asRoot: false)
        XCTAssertEqual(two.executable, "/usr/bin/mpirun")
        XCTAssertEqual(two.arguments, ["-np", "2", "--bind-to", "none", "/opt/csit", "run", "s.yaml", "--run", "abc", "--set", "train.lr=1e-3"])
        XCTAssertEqual(two.threads, 1, "CSIT_THREADS is cpus_per_task")
        XCTAssertEqual(two.forwarded(SIGINT), SIGUSR1, "mpirun passes USR1 to the ranks; SIGINT would kill them")
        XCTAssertEqual(two.forwarded(SIGKILL), SIGKILL)
        let four = try LocalLaunch.make(run(Resources(tasksPerNode: 4)), command: command, threadsPerJob: 1, cores: 2, mpirun: "/m", asRoot: true)
        XCTAssertEqual(Array(four.arguments.prefix(6)), ["-np", "4", "--bind-to", "none", "--oversubscribe", "--allow-run-as-root"])
        let shared = try LocalLaunch.make(run(Resources(tasksPerNode: 2)), command: command, threadsPerJob: 8, cores: 8, mpirun: "/m", asRoot: false)
        XCTAssertEqual(shared.threads, 4, "two ranks share the job's eight threads")
        XCTAssertThrowsError(try LocalLaunch.make(run(Resources(nodes: 2)), command: command, threadsPerJob: 1, cores: 2, mpirun: "/m", asRoot: false)) {
            XCTAssertEqual("\($0)", "run abc: resources.nodes = 2, but the local executor runs on this one machine (use --executor slurm)")
        }
        XCTAssertThrowsError(try LocalLaunch.make(run(Resources(tasksPerNode: 2)), command: command, threadsPerJob: 1, cores: 2, mpirun: nil, asRoot: false)) {
            XCTAssertEqual("\($0)", "run abc: resources ask for 2 tasks, but mpirun is not on PATH (make deps installs openmpi-bin)")
        }
    }
}
