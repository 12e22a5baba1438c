import Collectives
import Training
import TensorKit
import XCTest

/// A communicator that answers reductions with scripted per-rank values, to check what the
/// trainer concludes from them without starting processes.
final class ScriptedRanks: Communicator, @unchecked Sendable {
    let rank = 0
    let size: Int
    let hosts: [String]
    /// Other ranks' values: added to this rank's for sum, compared for max/min.
    var others: [[Double]]
    init(size: Int, others: [[Double]]) { (self.size, self.others, hosts) = (size, others, Array(repeating: "h", count: size)) }
    func barrier() {}
    func allreduceSum(_ buffer: ReductionBuffer) {}
    func startSum(_ buffer: ReductionBuffer) -> PendingSum { .done }
    func allreduce(_ values: inout [Double], _ op: Reduction) {
        for o in others {
            for i in values.indices {
                switch op {
                case .sum: values[i] += o[i]
                case .max: values[i] = Swift.max(values[i], o[i])
                case .min: values[i] = Swift.min(values[i], o[i])
                }
            }
        }
    }
    func allgather(_ values: [Float]) -> [[Float]] { [values] }
    func allgather(bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    func broadcast(_ bytes: inout [UInt8], root: Int) {}
    func abort(status: Int32) -> Never { fatalError("abort \(status)") }
}

final class DataParallelShareTests: XCTestCase {
    func testSharesAndRowSelections() throws {
        let p = try DataParallel(communicator: ScriptedRanks(size: 4, others: []), batchSize: 8)
        XCTAssertEqual(p.rows, 0..<2)
        XCTAssertEqual(p.viewRows?.indices, [0, 1, 8, 9])
        XCTAssertEqual(p.viewRows?.total, 16)
        XCTAssertThrowsError(try DataParallel(communicator: ScriptedRanks(size: 3, others: []), batchSize: 8)) { e in
            XCTAssertEqual("\(e)", "batch_size 8 does not divide over 3 processes: choose a batch size that is a multiple of 3, or 3 processes that divide 8")
        }
        XCTAssertNil(try DataParallel(communicator: SingleProcess(), batchSize: 7).rows)
    }

    /// Ranks whose parameters differ are caught; equal ones pass.
    func testDivergedParametersAreDetected() throws {
        let w = Tensor([1, 2, 3], shape: [3])
        let agree = try DataParallel(communicator: ScriptedRanks(size: 2, others: [[6, 14]]), batchSize: 4)
        XCTAssertNoThrow(try agree.checkParametersAgree([w], epoch: 0))
        let differ = try DataParallel(communicator: ScriptedRanks(size: 2, others: [[6.5, 14]]), batchSize: 4)
        XCTAssertThrowsError(try differ.checkParametersAgree([w], epoch: 2)) { e in
            XCTAssertTrue("\(e)".hasPrefix("after epoch 3 the processes hold different parameters"), "\(e)")
        }
    }

    func testLossesAreTheMeanOverRanks() throws {
        let p = try DataParallel(communicator: ScriptedRanks(size: 2, others: [[3, .nan]]), batchSize: 4)
        let m = p.mean([1, 2])
        XCTAssertEqual(m[0], 2)
        XCTAssertTrue(m[1].isNaN, "a non-finite loss on another rank reaches this one")
    }
}
