import Foundation
import TensorBoard
import XCTest

/// A run writes its curves for TensorBoard under `tb/<label>/`, agreeing with `log.jsonl`.
final class TensorBoardOutputTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-tbrun-\(getpid())")
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testTrainingWritesStepAndEpochScalars() throws {
        let out = dir.appendingPathComponent("tiny-ft")
        let (status, text) = try CLIRunner.run(["train", "--mode", "ft", "--dataset", "nct", "--data", "Tests/HistoDataTests/Fixtures/nct",
                                                "--folds", "3", "--fold", "0", "--preset", "csit-tiny", "--image-size", "32",
                                                "--token-stride", "8", "--epochs", "2", "--batch-size", "6", "--warmup-epochs", "0",
                                                "--validation", "0.5", "--eval-every", "1", "--output", out.path])
        XCTAssertEqual(status, 0, text)
        let points = try EventReader.scalars(in: out.appendingPathComponent("tb/tiny-ft"))
        let log = try String(contentsOf: out.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let steps = log[0]["steps"] as! Int
        XCTAssertEqual(points.filter { $0.tag == "train/loss" }.map(\.step), (1...(2 * steps)).map(Int64.init))
        XCTAssertEqual(points.filter { $0.tag == "train/lr" }.count, 2 * steps)
        let epochs = points.filter { $0.tag == "epoch/loss" }
        XCTAssertEqual(epochs.map(\.step), [Int64(steps), Int64(2 * steps)])
        for (p, r) in zip(epochs, log) { XCTAssertEqual(Double(p.value), r["loss"] as! Double, accuracy: 1e-6 * abs(r["loss"] as! Double)) }
        let validation = (log[1]["validation"] as! [String: Double])["accuracy"]!
        XCTAssertEqual(Double(try XCTUnwrap(points.last { $0.tag == "validation/accuracy" }).value), validation, accuracy: 1e-6)
    }

    /// A run stopped by a signal and resumed shows the same points as one never stopped:
    /// nothing the first session logged before its checkpoint is dropped, nothing twice.
    func testAResumedRunShowsEveryPointOnce() throws {
        func args(_ name: String) -> [String] {
            ["train", "--mode", "ssl", "--dataset", "nct", "--data", "Tests/HistoDataTests/Fixtures/nct", "--preset", "csit-tiny",
             "--image-size", "32", "--token-stride", "8", "--epochs", "6", "--batch-size", "8", "--warmup-epochs", "0",
             "--output", dir.appendingPathComponent(name).path]
        }
        var (status, out) = try CLIRunner.run(args("whole"))
        XCTAssertEqual(status, 0, out)
        let (p, pipe) = try CLIRunner.start(args("stopped"))
        let log = dir.appendingPathComponent("stopped/log.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !FileManager.default.fileExists(atPath: log.path) { usleep(20_000) }
        kill(p.processIdentifier, SIGUSR1)
        _ = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 75)
        (status, out) = try CLIRunner.run(args("stopped"))
        XCTAssertEqual(status, 0, out)
        func keys(_ name: String) throws -> [String] {
            try EventReader.scalars(in: dir.appendingPathComponent("\(name)/tb/\(name)")).filter { !$0.tag.contains("images_per_second") }
                .map { "\($0.tag)@\($0.step)" }.sorted()
        }
        XCTAssertEqual(try keys("stopped"), try keys("whole"))
        XCTAssertEqual(Set(try keys("whole")).count, try keys("whole").count)
    }
}
