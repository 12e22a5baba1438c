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
}
