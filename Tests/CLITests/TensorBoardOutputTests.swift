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
}
