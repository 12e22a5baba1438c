import XCTest
import Evaluation
import Training

/// The validation record a run writes into metrics.json names the model its test split
/// evaluated: the last epoch's, or the first best one.
final class ValidationRecordTests: XCTestCase {
    /// A `log.jsonl` line.
    func record(_ epoch: Int, _ f1: Double?) -> EpochRecord {
        let validation = f1.map { #","validation":{"macro_f1":\#($0),"accuracy":0.5}"# } ?? ""
        let line = #"{"epoch":\#(epoch),"steps":1,"lr":0.001,"loss":1,"lossParts":{},"imagesPerSecond":1,"seconds":1\#(validation)}"#
        return try! JSONDecoder().decode(EpochRecord.self, from: Data(line.utf8))
    }

    func testTheTestedModelsRecord() {
        var c = RunConfig()
        (c.validation, c.bestMetric) = (0.1, .macroF1)
        let records = [record(1, 0.5), record(2, 0.8), record(3, nil), record(4, 0.8), record(5, 0.6)]
        XCTAssertEqual(ValidationRecord.tested(records: records, config: c, testedBest: true)?.epoch, 2, "the first of equal bests")
        XCTAssertEqual(ValidationRecord.tested(records: records, config: c, testedBest: false)?.epoch, 5)
        XCTAssertEqual(ValidationRecord.tested(records: records, config: c, testedBest: false)?.score, 0.6)
        XCTAssertNil(ValidationRecord.tested(records: Array(records.prefix(3)), config: c, testedBest: false), "epoch 3 was not evaluated")
        c.validation = 0
        XCTAssertNil(ValidationRecord.tested(records: records, config: c, testedBest: false), "per-epoch scores were of the test split")
    }
}
