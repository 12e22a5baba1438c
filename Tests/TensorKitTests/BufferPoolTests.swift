import XCTest
import TensorKit

final class BufferPoolTests: XCTestCase {
    /// A repeated training step allocates nothing new after the first: every activation,
    /// gradient and scratch buffer comes back from the pool.
    func testRepeatedStepAllocatesNothingFresh() {
        var rng = RNG(seed: 1)
        let w = Tensor.normal([16, 3, 3, 3], std: 0.1, rng: &rng); w.requiresGrad = true
        let lw = Tensor.normal([10, 16 * 4 * 4], std: 0.1, rng: &rng); lw.requiresGrad = true
        let x = Tensor.normal([4, 3, 16, 16], rng: &rng)
        func step() {
            w.grad = nil; lw.grad = nil
            let h = Tensor.conv2d(x, weight: w, stride: 2, padding: 1).gelu().maxPool2d(kernel: 3, stride: 2, padding: 1)
            let logits = Tensor.linear(h.reshaped([4, -1]), weight: lw, bias: nil).layerNorm(weight: nil, bias: nil)
            logits.crossEntropy(labels: [0, 1, 2, 3]).backward()
        }
        step()
        step()
        let before = BufferPool.shared.freshAllocations
        step()
        XCTAssertEqual(BufferPool.shared.freshAllocations, before, "a repeated step must reuse pooled buffers")
        XCTAssertNotNil(w.grad)
    }
}
