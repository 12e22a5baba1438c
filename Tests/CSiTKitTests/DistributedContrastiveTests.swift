import CSiTKit
import TensorKit
import XCTest

/// NT-Xent over the global batch split into rank shares: each rank's anchors against every
/// rank's projections; the mean over ranks is the one-process loss.
final class DistributedContrastiveTests: XCTestCase {
    func testMeanOverRankSharesIsTheWholeBatchLoss() {
        let (B, D, P) = (6, 5, 3), b = B / P
        var rng = RNG(seed: 1, stream: "z")
        let z = Tensor((0..<(2 * B * D)).map { _ in rng.normal() }, shape: [2 * B, D])
        let whole = SSLObjective.ntXent(z).item
        // Rank r holds [view 1, view 2] of its images; the gathered tensor has the rank
        // blocks in order.
        let shares = (0..<P).map { r in z.gatherRows(Array((r * b)..<((r + 1) * b)) + Array((B + r * b)..<(B + (r + 1) * b))) }
        let gathered = Tensor.concat(shares.map { $0.l2Normalized() }, axis: 0)
        var sum: Float = 0
        for r in 0..<P {
            sum += SSLObjective.ntXent(shares[r], gather: { _ in (gathered, r * 2 * b) }).item
        }
        XCTAssertEqual(sum / Float(P), whole, accuracy: 1e-5 * abs(whole))
        // A wrong offset (another rank's rows as its own) gives another number.
        let wrong = SSLObjective.ntXent(shares[0], gather: { _ in (gathered, 2 * b) }).item
        XCTAssertGreaterThan(abs(wrong - SSLObjective.ntXent(shares[0], gather: { _ in (gathered, 0) }).item), 1e-3)
    }
}
