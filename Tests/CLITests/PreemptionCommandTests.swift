import Experiments
import Foundation
import TensorKit
import Training
import XCTest

/// Real processes and real signals: `csit train` and `csit run` stopped by SIGTERM, SIGUSR1
/// or SIGINT checkpoint, exit 75 (the runner 128 + signal), show as preempted, and resume to
/// results bit-identical to an uninterrupted run.
final class PreemptionCommandTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-preempt-\(getpid())-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    func trainArgs(_ out: URL) -> [String] {
        ["train", "--mode", "ft", "--dataset", "nct", "--data-path", "Tests/HistoDataTests/Fixtures/nct", "--folds", "3", "--fold", "0",
         "--model", "csit-tiny", "--input-size", "32", "--token-stride", "8", "--epochs", "12", "--batch-size", "6",
         "--warmup-epochs", "1", "--output", out.path]
    }

    func start(_ args: [String]) throws -> (Process, Pipe) { try CLIRunner.start(args) }

    func bytes(_ dir: URL) -> [String: Data] {
        var out: [String: Data] = [:]
        for f in ["model.safetensors", "predictions.csv", "metrics.json", "checkpoint.safetensors"] {
            out[f] = try? Data(contentsOf: dir.appendingPathComponent(f))
        }
        return out
    }

    /// Each stop signal at a seeded moment: exit 75, a checkpoint, and the rerun ends with the
    /// uninterrupted run's bytes and losses.
    func testEachStopSignalCheckpointsExits75AndResumesBitIdentical() throws {
        let reference = work.appendingPathComponent("reference")
        var (status, out) = try CLIRunner.run(trainArgs(reference))
        XCTAssertEqual(status, 0, out)
        let expected = bytes(reference)
        XCTAssertNotNil(expected["model.safetensors"])
        var rng = RNG(seed: 0x516, stream: "signal-delays")
        for sig in [SIGTERM, SIGUSR1, SIGINT] {
            let run = work.appendingPathComponent("signal-\(sig)")
            var stopped = false
            for attempt in 0..<5 where !stopped {
                let (p, pipe) = try start(trainArgs(run))
                // Seeded, shrinking delays: a run that finished first is tried again, sooner.
                Thread.sleep(forTimeInterval: (0.3 + Double(rng.next() % 700) / 1000) / Double(1 << attempt))
                if p.isRunning { kill(p.processIdentifier, sig) }
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                if p.terminationStatus == 0 { try? FileManager.default.removeItem(at: run); continue }
                XCTAssertEqual(p.terminationReason, .exit, "signal \(sig) must not kill csit train: \(text)")
                XCTAssertEqual(p.terminationStatus, preemptedExitStatus, text)
                let name = ["\(SIGTERM)": "SIGTERM", "\(SIGUSR1)": "SIGUSR1", "\(SIGINT)": "SIGINT"]["\(sig)"]!
                XCTAssertTrue(text.contains("stopped by \(name)"), text)
                XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoint.safetensors").path), text)
                stopped = true
            }
            XCTAssertTrue(stopped, "signal \(sig) never arrived before the run finished")
            (status, out) = try CLIRunner.run(trainArgs(run))
            XCTAssertEqual(status, 0, out)
            XCTAssertTrue(out.contains("resuming"), out)
            XCTAssertEqual(bytes(run), expected, "signal \(sig): the resumed run's files differ from the uninterrupted run's")
            let a = TrainingLog(url: reference.appendingPathComponent("log.jsonl"), keepingThrough: .max).records
            let b = TrainingLog(url: run.appendingPathComponent("log.jsonl"), keepingThrough: .max).records
            XCTAssertEqual(a.map(\.loss), b.map(\.loss))
            XCTAssertEqual(a.map(\.validation), b.map(\.validation))
        }
    }

    /// Ctrl-C on `csit run` reaches the running child, which checkpoints and exits 75: the
    /// runner exits 130, `csit status` shows the run preempted (resumable), and the rerun's
    /// table equals an uninterrupted run's.
    func testCtrlCOnTheRunnerPreemptsTheChildAndTheRerunMatches() throws {
        let refSpec = try TinySpec.write(results: work.appendingPathComponent("ref").path, in: work, file: "ref.yaml", epochs: 12)
        var (status, out) = try CLIRunner.run(["run", refSpec])
        XCTAssertEqual(status, 0, out)
        let results = work.appendingPathComponent("cut")
        let spec = try TinySpec.write(results: results.path, in: work, file: "cut.yaml", epochs: 12)
        let plan = try Plan.make(try ExperimentSpec.load(spec, checkPaths: false))
        let store = RunStore(root: results)
        var preempted = false
        for _ in 0..<4 where !preempted {
            let (p, pipe) = try start(["run", spec])
            // Interrupt once a child is training (its state says running).
            let deadline = Date().addingTimeInterval(60)
            while p.isRunning && Date() < deadline && !plan.runs.contains(where: { store.status($0.id).state == .running }) { usleep(20_000) }
            usleep(200_000)
            if p.isRunning { kill(p.processIdentifier, SIGINT) }
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            if p.terminationStatus == 0 { break }
            XCTAssertEqual(p.terminationStatus, 130, text)
            XCTAssertTrue(text.contains("checkpointed: state preempted"), text)
            preempted = plan.runs.contains { store.status($0.id).state == .preempted }
        }
        XCTAssertTrue(preempted, "no child was caught training")
        (status, out) = try CLIRunner.run(["status", spec])
        XCTAssertTrue(out.contains("preempted: stopped by SIGINT"), out)
        XCTAssertTrue(out.contains("(resumable)"), out)
        (status, out) = try CLIRunner.run(["run", spec])
        XCTAssertEqual(status, 0, out)
        XCTAssertEqual(try String(contentsOf: results.appendingPathComponent("main.md"), encoding: .utf8),
                       try String(contentsOf: work.appendingPathComponent("ref/main.md"), encoding: .utf8))
        for r in plan.runs {
            XCTAssertEqual(try Data(contentsOf: store.dir(r.id).appendingPathComponent("model.safetensors")),
                           try Data(contentsOf: work.appendingPathComponent("ref/runs/\(r.id)/model.safetensors")), r.id)
        }
    }
}
