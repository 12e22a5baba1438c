import Foundation
import TensorKit
import XCTest

/// One run trained by two processes under a real `mpirun` (Open MPI, `--oversubscribe` on
/// this 2-core machine, one thread per rank) against the same run in one process: the
/// numbers agree up to float summation order.
final class DataParallelTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-dp-\(getpid())")
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let nct = "Tests/HistoDataTests/Fixtures/nct"

    /// `csit train …` as `processes` ranks (1: the plain command, no launcher).
    static func train(_ args: [String], processes: Int, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        guard processes > 1 else { return try CLIRunner.run(["train"] + args, environment: environment) }
        return try MPILauncher.run(["train"] + args, processes: processes, environment: environment)
    }

    func ssl(_ out: String) -> [String] {
        ["--mode", "ssl", "--dataset", "nct", "--data", Self.nct, "--preset", "csit-tiny", "--image-size", "32", "--token-stride", "8",
         "--epochs", "3", "--batch-size", "8", "--lr", "1e-3", "--warmup-epochs", "0", "--seed", "5",
         "--output", dir.appendingPathComponent(out).path]
    }

    func finetune(_ out: String) -> [String] {
        // Mixup, CutMix, random erasing and drop path on: every draw across the batch is
        // exercised; a validation split makes the per-epoch evaluation sharded too.
        ["--mode", "ft", "--dataset", "nct", "--data", Self.nct, "--folds", "3", "--fold", "0", "--preset", "csit-tiny",
         "--image-size", "32", "--token-stride", "8", "--epochs", "3", "--batch-size", "4", "--lr", "1e-3", "--warmup-epochs", "0",
         "--validation", "0.5", "--eval-every", "1", "--seed", "5", "--output", dir.appendingPathComponent(out).path]
    }

    func records(_ run: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: dir.appendingPathComponent(run).appendingPathComponent("log.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    /// Per-epoch losses (and loss parts) within 1e-5 relative, final weights within 1e-4.
    func assertSameTraining(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (ra, rb) = (try records(a), try records(b))
        XCTAssertEqual(ra.count, rb.count, file: file, line: line)
        for (x, y) in zip(ra, rb) {
            let (lx, ly) = (x["loss"] as! Double, y["loss"] as! Double)
            XCTAssertEqual(lx, ly, accuracy: 1e-5 * abs(lx), "epoch \(x["epoch"]!) loss", file: file, line: line)
            let (px, py) = (x["lossParts"] as! [String: Double], y["lossParts"] as! [String: Double])
            XCTAssertEqual(Set(px.keys), Set(py.keys), file: file, line: line)
            for (k, v) in px { XCTAssertEqual(v, py[k]!, accuracy: 1e-5 * abs(v), "epoch \(x["epoch"]!) \(k)", file: file, line: line) }
            // Validation (sharded over the ranks, then gathered) sees the same model.
            let (vx, vy) = (x["validation"] as? [String: Double], y["validation"] as? [String: Double])
            XCTAssertEqual(vx?.keys.sorted(), vy?.keys.sorted(), file: file, line: line)
            for (k, v) in vx ?? [:] { XCTAssertEqual(v, vy![k]!, accuracy: 1e-9, "epoch \(x["epoch"]!) validation \(k)", file: file, line: line) }
        }
        let wa = try SafeTensors.read(dir.appendingPathComponent(a).appendingPathComponent("model.safetensors")).tensors
        let wb = try SafeTensors.read(dir.appendingPathComponent(b).appendingPathComponent("model.safetensors")).tensors
        XCTAssertEqual(Set(wa.keys), Set(wb.keys), file: file, line: line)
        var worst = 0.0
        for (k, t) in wa { for (u, v) in zip(t.scalars, wb[k]!.scalars) { worst = max(worst, Double(abs(u - v))) } }
        XCTAssertLessThan(worst, 1e-4, "largest weight difference", file: file, line: line)
    }

    /// Trains `args` into p1 (one process) and p2 (two), checks they agree; returns p2's output.
    func trainAtOneAndTwo(_ args: (String) -> [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try XCTSkipUnless(MPILauncher.available, "mpirun not installed (make deps)")
        var (status, out) = try Self.train(args("p1"), processes: 1)
        XCTAssertEqual(status, 0, out, file: file, line: line)
        (status, out) = try Self.train(args("p2"), processes: 2)
        XCTAssertEqual(status, 0, out, file: file, line: line)
        try assertSameTraining("p1", "p2", file: file, line: line)
        return out
    }

    func testSSLAtTwoProcessesMatchesOne() throws {
        let out = try trainAtOneAndTwo(ssl)
        // One progress stream (rank 0), and provenance says how it ran.
        XCTAssertEqual(out.components(separatedBy: "run folder:").count, 2, out)
        let provenance = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("p2/provenance.json"))) as! [String: Any]
        XCTAssertEqual(provenance["processes"] as? Int, 2)
        XCTAssertEqual((provenance["hosts"] as? [String])?.count, 1)
        XCTAssertEqual(provenance["threads"] as? Int, 1)
    }

    func testFineTuningWithMixingAtTwoProcessesMatchesOne() throws {
        _ = try trainAtOneAndTwo(finetune)
        XCTAssertNotNil(try records("p2").last?["validation"], "the per-epoch validation ran")
        // The same predictions: classes equal, probabilities within 1e-4.
        func rows(_ run: String) throws -> [[String]] {
            try String(contentsOf: dir.appendingPathComponent(run).appendingPathComponent("predictions.csv"), encoding: .utf8)
                .split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        }
        let (a, b) = (try rows("p1"), try rows("p2"))
        XCTAssertEqual(a.count, b.count)
        XCTAssertFalse(a.isEmpty)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(Array(x[0..<5]), Array(y[0..<5]))
            for (p, q) in zip(x[5...], y[5...]) { XCTAssertEqual(Double(p)!, Double(q)!, accuracy: 1e-4) }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("p2/best.safetensors.tmp").path))
    }

    /// `csit run SPEC --run ID` under mpirun trains the planned run on both ranks (rank 0
    /// writes the folder, state and provenance); without --run it is refused.
    func testPlannedRunUnderMPIMatchesOneProcess() throws {
        try XCTSkipUnless(MPILauncher.available, "mpirun not installed (make deps)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let one = try TinySpec.write(results: dir.appendingPathComponent("one").path, in: dir, file: "one.yaml", epochs: 2)
        let two = try TinySpec.write(results: dir.appendingPathComponent("two").path, in: dir, file: "two.yaml", epochs: 2)
        var (status, out) = try CLIRunner.run(["run", one, "--only", "fold=0"])
        XCTAssertEqual(status, 0, out)
        let id = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("one/runs").path).first { $0 != "by-label" })
        (status, out) = try MPILauncher.run(["run", two], processes: 2)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("name the one run they train together with --run ID"), out)
        (status, out) = try MPILauncher.run(["run", two, "--run", id], processes: 2)
        XCTAssertEqual(status, 0, out)
        let folder = dir.appendingPathComponent("two/runs/\(id)")
        let state = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("state.json"))) as! [String: Any]
        XCTAssertEqual(state["state"] as? String, "done")
        let provenance = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("provenance.json"))) as! [String: Any]
        XCTAssertEqual(provenance["processes"] as? Int, 2)
        func accuracy(_ results: String) throws -> Double {
            let m = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(results)/runs/\(id)/metrics.json"))) as! [String: Any]
            return try XCTUnwrap(m["accuracy"] as? Double)
        }
        XCTAssertEqual(try accuracy("one"), try accuracy("two"), accuracy: 1e-9)
        let losses = { (r: String) in try String(contentsOf: self.dir.appendingPathComponent("\(r)/runs/\(id)/log.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["loss"] as! Double } }
        for (a, b) in zip(try losses("one"), try losses("two")) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(a)) }
    }

    /// A run stopped by a signal at one process count resumes at the other: stopped at
    /// P = 1 and finished at P = 2, and the other way round, both end as the uninterrupted
    /// run at P = 1 does (up to summation order).
    func testACheckpointResumesAtAnotherProcessCount() throws {
        try XCTSkipUnless(MPILauncher.available, "mpirun not installed (make deps)")
        var args = ssl("whole")
        args[args.firstIndex(of: "--epochs")! + 1] = "6"
        var (status, out) = try Self.train(args, processes: 1)
        XCTAssertEqual(status, 0, out)
        for (first, then) in [(1, 2), (2, 1)] {
            let name = "from\(first)"
            var a = ssl(name)
            a[a.firstIndex(of: "--epochs")! + 1] = "6"
            // Stopped by SIGUSR1 once it is training (mpirun passes SIGUSR1 on to the ranks).
            let launcher = first > 1 ? MPILauncher.command(processes: first) : []
            let (p, pipe) = try CLIRunner.start(["train"] + a, environment: first > 1 ? MPILauncher.environment : [:], launcher: launcher)
            let log = dir.appendingPathComponent(name).appendingPathComponent("log.jsonl")
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline && !FileManager.default.fileExists(atPath: log.path) { usleep(20_000) }
            kill(p.processIdentifier, SIGUSR1)
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 75, "checkpointed and stopped: \(text)")
            XCTAssertTrue(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count < 6, "stopped before the end")
            (status, out) = try Self.train(a, processes: then)
            XCTAssertEqual(status, 0, out)
            XCTAssertTrue(out.contains("resuming"), out)
            try assertSameTraining("whole", name)
        }
    }

    /// At P = 2 a run stopped by a signal mid-run and resumed ends bit-identical to the run
    /// never stopped at P = 2: same weights, same log numbers.
    func testAStoppedTwoProcessRunResumesBitIdentical() throws {
        try XCTSkipUnless(MPILauncher.available, "mpirun not installed (make deps)")
        func args(_ name: String) -> [String] {
            var a = ssl(name)
            a[a.firstIndex(of: "--epochs")! + 1] = "6"
            return a
        }
        var (status, out) = try Self.train(args("whole2"), processes: 2)
        XCTAssertEqual(status, 0, out)
        let (p, pipe) = try CLIRunner.start(["train"] + args("stopped2"), environment: MPILauncher.environment,
                                            launcher: MPILauncher.command(processes: 2))
        let log = dir.appendingPathComponent("stopped2/log.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: log.path) { usleep(20_000) }
        kill(p.processIdentifier, SIGUSR1)
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 75, text)
        (status, out) = try Self.train(args("stopped2"), processes: 2)
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("whole2/model.safetensors")),
                       try Data(contentsOf: dir.appendingPathComponent("stopped2/model.safetensors")))
        let losses = { (r: String) in try self.records(r).map { [$0["loss"] as! Double] + ($0["lossParts"] as! [String: Double]).sorted { $0.key < $1.key }.map(\.value) } }
        XCTAssertEqual(try losses("whole2"), try losses("stopped2"))
    }

    /// A batch that does not split evenly is refused, naming both numbers, by rank 0 alone.
    func testIndivisibleBatchIsOneClearError() throws {
        try XCTSkipUnless(MPILauncher.available, "mpirun not installed (make deps)")
        var args = ssl("odd")
        args[args.firstIndex(of: "--batch-size")! + 1] = "7"
        let (status, out) = try Self.train(args, processes: 2)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("batch_size 7 does not divide over 2 processes"), out)
        XCTAssertEqual(out.components(separatedBy: "does not divide").count, 2, "printed once: \(out)")
    }

    /// An unreadable image in one rank's share stops both ranks with one line naming the
    /// file; no rank waits for ever in a collective.
    func testOneRanksFailureStopsEveryRank() throws {
        try XCTSkipUnless(MPILauncher.available, "mpirun not installed (make deps)")
        // Six images and a batch of two: every image is used in the epoch, the broken one
        // by whichever rank its step's share falls to.
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let source = CLIRunner.repositoryRoot.appendingPathComponent(Self.nct).appendingPathComponent("ADI")
        for (i, f) in try FileManager.default.contentsOfDirectory(atPath: source.path).sorted().enumerated() {
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: data.appendingPathComponent("a\(i).tif"))
            try FileManager.default.copyItem(at: source.appendingPathComponent(f), to: data.appendingPathComponent("b\(i).tif"))
        }
        try FileManager.default.removeItem(at: data.appendingPathComponent("b2.tif"))
        try Data("not a tiff".utf8).write(to: data.appendingPathComponent("broken.tif"))
        let started = Date()
        let (status, out) = try Self.train(["--mode", "ssl", "--dataset", "unlabeled", "--data", data.path, "--preset", "csit-tiny",
                                            "--image-size", "32", "--token-stride", "8", "--epochs", "1", "--batch-size", "2",
                                            "--output", dir.appendingPathComponent("broken").path], processes: 2)
        XCTAssertNotEqual(status, 0)
        XCTAssertTrue(out.contains("broken.tif"), out)
        XCTAssertTrue(out.contains("rank "), out)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60)
    }
}

/// `mpirun` from the tests: on 127.0.0.1 only, oversubscribed (2 cores), allowed as root.
enum MPILauncher {
    static var available: Bool { which("mpirun") != nil }

    static func which(_ tool: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Allowed as root; shared memory and loopback TCP only: nothing leaves the machine.
    static let environment = ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                              "OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo"]

    static func command(processes: Int) -> [String] {
        [which("mpirun")!, "--oversubscribe", "-np", String(processes), "-x", "CSIT_THREADS", "-x", "CSIT_CACHE_DIR"]
    }

    static func run(_ args: [String], processes: Int, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        try CLIRunner.run(args, environment: environment.merging(Self.environment) { $1 }, launcher: command(processes: processes))
    }
}
