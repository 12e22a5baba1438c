import Foundation
import NeuralKit
import Training
import XCTest

/// The report's learning-rate curve shows every step (one value per epoch hid the warm-up).
final class RunReportTests: XCTestCase {
    func testLearningRateCurveHasEveryStepAndShowsTheWarmUp() throws {
        var c = RunConfig.paper(.ft)
        (c.epochs, c.warmupEpochs, c.lr, c.batchSize, c.warmupLR, c.minLR) = (3, 1, 5e-4, 128, 1e-6, 1e-6)
        let lines = (0..<3).map { e in
            "{\"epoch\":\(e + 1),\"steps\":4,\"lr\":0,\"loss\":1,\"lossParts\":{},\"imagesPerSecond\":1,\"seconds\":1}"
        }
        let records = try lines.map { try JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
        let curve = RunReport.learningRatePerStep(c, records: records)
        XCTAssertEqual(curve.count, 12)
        XCTAssertEqual(curve.last?.x, 3)
        XCTAssertEqual(curve[3].x, 1, "the last step of epoch 1 at x = 1")
        let schedule = CosineSchedule(baseLR: 5e-4 * 128 / 512, minLR: 1e-6, warmupLR: 1e-6, warmupSteps: 4, totalSteps: 12)
        XCTAssertEqual(curve.map(\.y), (0..<12).map { schedule.lr(at: $0) })
        XCTAssertLessThan(curve[0].y, curve[3].y, "warm-up rises within the first epoch")
    }

    /// An SSL report explains a rotation loss at chance (ln 4) instead of leaving it to read
    /// as a bug, and says nothing when the loss fell.
    func testSSLReportExplainsARotationLossAtChance() throws {
        func report(rotation: Double) throws -> String {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csit-report-\(getpid())-\(rotation)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            var c = RunConfig.paper(.ssl)
            (c.epochs, c.root) = (1, "data")
            let line = "{\"epoch\":1,\"steps\":2,\"lr\":0,\"loss\":3,\"lossParts\":{\"rot\":\(rotation),\"con\":1,\"rec\":1},"
                + "\"imagesPerSecond\":1,\"seconds\":1}"
            let record = try JSONDecoder().decode(EpochRecord.self, from: Data(line.utf8))
            try RunReport.write(config: c, records: [record], metrics: nil, predictions: nil, runDir: dir)
            return try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        }
        XCTAssertTrue(try report(rotation: 1.3875).contains("chance for four rotations (ln 4 = 1.386)"))
        XCTAssertFalse(try report(rotation: 0.29).contains("ln 4"))
    }
}
