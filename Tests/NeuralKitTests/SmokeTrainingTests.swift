import XCTest
import TensorKit
import NeuralKit

final class SmokeTrainingTests: XCTestCase {
    /// The whole stack learns: a conv + attention network separates the two stripe
    /// directions, so the loss falls well below chance and accuracy climbs.
    func testLossFallsAndAccuracyRises() {
        let history = SmokeTraining.run(steps: 60, seed: 3)
        let first = history.prefix(5).map(\.loss).reduce(0, +) / 5
        let last = history.suffix(5).map(\.loss).reduce(0, +) / 5
        XCTAssertGreaterThan(first, 0.6, "starts near chance (ln 2 = 0.69)")
        XCTAssertLessThan(last, 0.5 * first, "loss \(first) → \(last)")
        let acc = history.suffix(10).map(\.accuracy).reduce(0, +) / 10
        XCTAssertGreaterThan(acc, 0.9)
    }

    func testSameSeedSameNumbers() {
        let a = SmokeTraining.run(steps: 5, seed: 9).map(\.loss)
        let b = SmokeTraining.run(steps: 5, seed: 9).map(\.loss)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, SmokeTraining.run(steps: 5, seed: 10).map(\.loss))
    }

    func testAttentionGradients() {
        var rng = RNG(seed: 2)
        let attn = Attention(dim: 8, heads: 2, rng: &rng)
        let x = Tensor.uniform([2, 5, 8], -1, 1, rng: &rng)
        x.requiresGrad = true
        let w = Tensor.uniform([2, 5, 8], -1, 1, rng: &rng)
        (attn(x) * w).sum().backward()
        let analytic = x.grad!.scalars
        // Central differences on a few input elements.
        for i in [0, 7, 23, 41, 79] {
            let orig = x.data[i]
            x.data[i] = orig + 1e-2
            let fp = withoutGrad { (attn(x) * w).sum().item }
            x.data[i] = orig - 1e-2
            let fm = withoutGrad { (attn(x) * w).sum().item }
            x.data[i] = orig
            XCTAssertEqual(analytic[i], (fp - fm) / 2e-2, accuracy: 2e-3 + 1e-2 * abs(analytic[i]))
        }
        XCTAssertNotNil(attn.qkv.weight.grad)
        XCTAssertEqual(attn.namedParameters().map(\.key), ["qkv.weight", "qkv.bias", "proj.weight", "proj.bias"])
    }
}
