import Experiments
import Training
import Foundation
import TensorKit
import XCTest

/// The runner under concurrency and interruption, with real processes: two runners on one
/// results folder, and runners killed (SIGKILL) or interrupted (SIGINT) at seeded random
/// moments, then rerun. The tables must equal an uninterrupted run's.
final class RunnerRobustnessTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-robust-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    func start(_ args: [String]) throws -> (Process, Pipe) { try CLIRunner.start(args) }

    /// The main table without its run-id-free parts varying: the Markdown itself.
    func table(_ results: URL) throws -> String { try String(contentsOf: results.appendingPathComponent("main.md"), encoding: .utf8) }

    /// csit processes still running that were started for `results` (children included).
    func leftoverProcesses(_ spec: String) -> [String] {
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/bin/ps")
        ps.arguments = ["-eo", "pid,stat,args"]
        let pipe = Pipe()
        ps.standardOutput = pipe
        try? ps.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        ps.waitUntilExit()
        return text.split(separator: "\n").map(String.init).filter { $0.contains(spec) && !$0.contains(" Z") && $0.contains("csit") }
    }

    func testTwoRunnersOnOneFolderBothSucceedWithCompleteTables() throws {
        let reference = work.appendingPathComponent("ref"), shared = work.appendingPathComponent("shared")
        let refSpec = try TinySpec.write(results: reference.path, in: work, file: "ref.yaml", withSSL: true)
        var (status, out) = try CLIRunner.run(["run", refSpec])
        XCTAssertEqual(status, 0, out)
        let spec = try TinySpec.write(results: shared.path, in: work, file: "shared.yaml", withSSL: true)
        let a = try start(["run", spec]), b = try start(["run", spec, "--jobs", "2"])
        let outA = String(decoding: a.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let outB = String(decoding: b.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        a.0.waitUntilExit(); b.0.waitUntilExit()
        XCTAssertEqual(a.0.terminationStatus, 0, outA)
        XCTAssertEqual(b.0.terminationStatus, 0, outB)
        for out in [outA, outB] {
            XCTAssertFalse(out.split(separator: "\n").contains { $0.hasPrefix("failed ") || $0.contains(" failed:") }, out)
        }
        XCTAssertEqual(try table(shared), try table(reference), "the shared folder's table equals a single runner's")
        // Every run ran exactly once: each child started for it beyond the first found it held
        // by the other runner's child and stepped back.
        let events = try String(contentsOf: shared.appendingPathComponent("events.jsonl"), encoding: .utf8).split(separator: "\n")
        let plan = try Plan.make(try ExperimentSpec.load(spec, checkPaths: false))
        for r in plan.runs {
            let starts = events.filter { $0.contains("\"event\":\"started\"") && $0.contains(r.id) }.count
            let held = events.filter { $0.contains("\"event\":\"held-elsewhere\"") && $0.contains(r.id) }.count
            XCTAssertEqual(starts - held, 1, "run \(r.id): \(starts) children started, \(held) stepped back")
        }
    }

    /// Runners killed with SIGKILL or interrupted with SIGINT at seeded moments, rerun each
    /// time: the final table equals the uninterrupted run's, no csit process and no
    /// temporary file remain, and an interrupted runner exits 130.
    func testKilledAndInterruptedRunnersResumeToTheSameTables() throws {
        let reference = work.appendingPathComponent("ref"), chaos = work.appendingPathComponent("chaos")
        let refSpec = try TinySpec.write(results: reference.path, in: work, file: "ref.yaml", withSSL: true, epochs: 2)
        var (status, out) = try CLIRunner.run(["run", refSpec])
        XCTAssertEqual(status, 0, out)
        let spec = try TinySpec.write(results: chaos.path, in: work, file: "chaos.yaml", withSSL: true, epochs: 2)
        var rng = RNG(seed: 0xC4A05, stream: "chaos")
        var interrupted = 0
        for round in 0..<6 {
            let (p, pipe) = try start(["run", spec, "--jobs", "2"])
            let delay = 0.3 + Double(rng.next() % 1500) / 1000
            Thread.sleep(forTimeInterval: delay)
            let sig = round % 2 == 0 ? SIGINT : SIGKILL
            if p.isRunning { kill(p.processIdentifier, sig) }
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if p.terminationReason == .exit && p.terminationStatus == 0 { continue }   // finished before the signal
            interrupted += 1
            if sig == SIGINT { XCTAssertEqual(p.terminationStatus, 130, "round \(round): \(text)") }
            // Children die with their runner (SIGKILL included), promptly.
            let deadline = Date().addingTimeInterval(10)
            while !leftoverProcesses(spec).isEmpty && Date() < deadline { usleep(50_000) }
            XCTAssertEqual(leftoverProcesses(spec), [], "round \(round) (signal \(sig)) left csit processes")
        }
        XCTAssertGreaterThan(interrupted, 0, "no round was interrupted: the delays are too long for this machine")
        (status, out) = try CLIRunner.run(["run", spec])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(try table(chaos), try table(reference))
        let leftovers = FileManager.default.enumerator(atPath: chaos.path)!.compactMap { $0 as? String }
            .filter { $0.contains(".tmp") || $0.hasSuffix("~") }
        XCTAssertEqual(leftovers, [], "temporary files remain")
    }
}

extension RunnerRobustnessTests {
    /// A results folder moved (or mounted elsewhere) keeps its run ids and resumes its runs:
    /// downstream runs name their SSL model by run id, not by path.
    func testAMovedResultsFolderResumesItsRuns() throws {
        let a = work.appendingPathComponent("a"), b = work.appendingPathComponent("moved/b")
        let specA = try TinySpec.write(results: a.path, in: work, file: "a.yaml", withSSL: true)
        var (status, out) = try CLIRunner.run(["run", specA])
        XCTAssertEqual(status, 0, out)
        try FileManager.default.createDirectory(at: b.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: a, to: b)
        let specB = try TinySpec.write(results: b.path, in: work, file: "b.yaml", withSSL: true)
        let plan = try Plan.make(try ExperimentSpec.load(specB, checkPaths: false))
        let store = RunStore(root: b)
        XCTAssertTrue(plan.runs.allSatisfy { store.isDone($0.id) }, "the same ids in the moved folder")
        // An ssl-ft run interrupted after its checkpoint: it must resume in the new place.
        let sslft = try XCTUnwrap(plan.runs.first { $0.config.mode == .sslft })
        try FileManager.default.removeItem(at: store.dir(sslft.id).appendingPathComponent("state.json"))
        (status, out) = try CLIRunner.run(["run", specB])
        XCTAssertEqual(status, 0, out)
        // One job: the child's progress went to the terminal (out), its stdout to train.log.
        let log = try String(contentsOf: store.dir(sslft.id).appendingPathComponent("train.log"), encoding: .utf8) + out
        XCTAssertTrue(log.contains("resuming after epoch 1 of 1"), log)
        XCTAssertFalse(log.contains("cannot resume"), log)
        XCTAssertTrue(store.isDone(sslft.id))
    }
}
