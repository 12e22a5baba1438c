import XCTest
import TensorKit

/// Ops that keep buffers for backward (statistics, norms, indices, masks) must own them:
/// a pool churned between forward and backward may not change any gradient.
final class SavedBufferTests: XCTestCase {
    /// Allocates and poisons pooled buffers of many sizes, then lets them go back.
    func churnPool() {
        var hold: [Tensor] = []
        for n in [1, 2, 3, 4, 6, 8, 12, 16, 18, 24, 32, 36, 48, 64, 72, 96, 128, 256, 512, 1024] {
            for _ in 0..<4 { hold.append(Tensor(repeating: .nan, shape: [n])) }
        }
        hold.removeAll()
        for n in [1, 2, 3, 4, 6, 8, 12, 16, 18, 24, 32, 36, 48, 64, 72, 96, 128, 256, 512, 1024] {
            for _ in 0..<4 { hold.append(Tensor(repeating: 1e9, shape: [n])) }
        }
    }

    func gradient(_ x: Tensor, churn: Bool, _ f: (Tensor) -> Tensor) -> [Float] {
        x.grad = nil
        x.requiresGrad = true
        var rng = RNG(seed: 4)
        let y = f(x)
        let w = Tensor.uniform(y.shape, -1, 1, rng: &rng)
        let loss = (y * w).sum()
        if churn { churnPool() }
        loss.backward()
        return x.grad!.scalars
    }

    func testBackwardSurvivesPoolChurn() {
        let x = GradientCheck.random([6, 8], seed: 7)
        let img = GradientCheck.distinct([2, 3, 6, 6], seed: 8)
        let cases: [(String, Tensor, (Tensor) -> Tensor)] = [
            ("layerNorm", x, { $0.layerNorm(weight: nil, bias: nil) }),
            ("l2Normalized", x, { $0.l2Normalized() }),
            ("softmax", x, { $0.softmax() }),
            ("logSoftmax", x, { $0.logSoftmax() }),
            ("crossEntropy", x, { $0.crossEntropy(labels: [0, 1, 2, 3, 4, 5], labelSmoothing: 0.1).reshaped([1]) }),
            ("maxPool", img, { $0.maxPool2d(kernel: 3, stride: 2, padding: 1) }),
            ("dropout", x, { var r = RNG(seed: 3); return $0.dropout(0.5, rng: &r) }),
            ("gelu", x, { $0.gelu() }),
            ("attention", GradientCheck.random([2, 4, 12], seed: 9), { Tensor.attention(qkv: $0, heads: 2) }),
        ]
        for (name, input, f) in cases {
            let clean = gradient(input, churn: false, f)
            let churned = gradient(input, churn: true, f)
            XCTAssertEqual(clean, churned, name)
        }
    }
}
