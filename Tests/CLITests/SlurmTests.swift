import Experiments
import Foundation
import XCTest

/// The Slurm executor against a real one-node cluster (`make test-slurm` starts it with
/// tools/with-slurm.sh and sets SLURM_CONF; without it these tests are skipped).
final class SlurmTests: XCTestCase {
    var work: URL!

    override func setUpWithError() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["SLURM_CONF"] != nil, "no Slurm cluster (run make test-slurm)")
        work = FileManager.default.temporaryDirectory.appendingPathComponent("csit-slurm-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let work { try? FileManager.default.removeItem(at: work) } }

    func spec(_ name: String, results: URL, extra: String = "") throws -> String {
        try TinySpec.write(name: name, results: results.path, in: work, file: "\(name)-\(results.lastPathComponent).yaml",
                           withSSL: true, epochs: 2, extra: extra)
    }

    func waitUntilSettled(_ spec: String, timeout: TimeInterval = 300) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var out = ""
        repeat {
            out = try CLIRunner.run(["status", spec]).output
            if !out.contains("queued") && !out.contains("running") && !out.contains("submitted") { return out }
            Thread.sleep(forTimeInterval: 2)
        } while Date() < deadline
        XCTFail("Slurm runs did not finish in \(timeout) s:\n\(out)")
        return out
    }

    func testSlurmRunsEqualLocalRunsAndResubmitsOnlyWhatIsMissing() throws {
        let local = try spec("tiny", results: work.appendingPathComponent("local"))
        let slurm = try spec("tiny", results: work.appendingPathComponent("slurm"))
        var (status, out) = try CLIRunner.run(["run", local])
        XCTAssertEqual(status, 0, out)
        (status, out) = try CLIRunner.run(["run", slurm, "--executor", "slurm", "--cpus-per-task", "1"])
        XCTAssertEqual(status, 0, out)
        XCTAssertTrue(out.contains("submitted job"), out)
        let settled = try waitUntilSettled(slurm)
        XCTAssertTrue(settled.contains("7 done"), settled)
        let a = try CLIRunner.run(["table", local]).output, b = try CLIRunner.run(["table", slurm]).output
        XCTAssertEqual(a, b, "the same spec and seeds give the same tables on Slurm as locally")
        XCTAssertTrue(a.contains("| SSL+FT |"), a)
        (status, out) = try CLIRunner.run(["run", slurm, "--executor", "slurm"])
        XCTAssertTrue(out.contains("nothing to submit"), out)
    }

    func testFailuresShowTheSchedulersReasonAndAreResubmitted() throws {
        let bad = work.appendingPathComponent("not-a-checkpoint.safetensors")
        try "garbage".write(to: bad, atomically: true, encoding: .utf8)
        let failing = try spec("failing", results: work.appendingPathComponent("failing"),
                               extra: "").replacingOccurrences(of: "", with: "")
        var text = try String(contentsOfFile: failing, encoding: .utf8)
        text = text.replacingOccurrences(of: "ssl:\n  dataset: {kind: unlabeled, root: Tests/HistoDataTests/Fixtures/nct}\n  epochs: 1\n  batch_size: 9",
                                         with: "ssl:\n  checkpoint: \(bad.path)")
            .replacingOccurrences(of: "modes: [ft, ssl-ft]", with: "modes: [ssl-ft]")
        try text.write(toFile: failing, atomically: true, encoding: .utf8)
        var (status, out) = try CLIRunner.run(["run", failing, "--executor", "slurm", "--cpus-per-task", "1"])
        XCTAssertEqual(status, 0, out)
        let settled = try waitUntilSettled(failing)
        XCTAssertTrue(settled.contains("3 failed"), settled)
        XCTAssertTrue(settled.contains("FAILED"), settled)
        XCTAssertTrue(settled.contains("log: "), settled)
        XCTAssertTrue(settled.contains("not-a-checkpoint.safetensors"), settled)
        (status, out) = try CLIRunner.run(["run", failing, "--executor", "slurm", "--cpus-per-task", "1"])
        XCTAssertTrue(out.contains("array of 3"), "failed runs are submitted again:\n\(out)")
        _ = try waitUntilSettled(failing)
    }
}
