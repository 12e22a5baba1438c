import XCTest
import TensorKit

final class LossTests: XCTestCase {
    func testCrossEntropyValues() {
        let logits = Tensor([2, 0, 0, 0, 1, 3], shape: [2, 3])
        let ce = logits.crossEntropy(labels: [0, 2]).item
        let e1 = Foundation.exp(1.0), e2 = Foundation.exp(2.0), e3 = Foundation.exp(3.0)
        let l0 = -Foundation.log(e2 / (e2 + 2))
        let l1 = -Foundation.log(e3 / (1 + e1 + e3))
        XCTAssertEqual(Double(ce), (l0 + l1) / 2, accuracy: 1e-6)
        // Label smoothing ε: (1−ε)·CE + ε·mean_c(−log p_c), as PyTorch.
        let eps: Float = 0.1
        let lp = logits.logSoftmax().scalars
        var ref: Float = 0
        for (n, y) in [0, 2].enumerated() {
            let row = lp[(n * 3)..<(n * 3 + 3)]
            ref += (1 - eps) * -row[n * 3 + y] + eps * -row.reduce(0, +) / 3
        }
        XCTAssertEqual(logits.crossEntropy(labels: [0, 2], labelSmoothing: eps).item, ref / 2, accuracy: 1e-6)
    }

    func testCrossEntropyGradients() {
        let x = GradientCheck.random([4, 5], -2, 2, seed: 81)
        GradientCheck.check([x]) { $0[0].crossEntropy(labels: [0, 4, 2, 2], labelSmoothing: 0.1) }
        let t = GradientCheck.random([4, 5], 0, 1, seed: 82)
        GradientCheck.check([x, t]) { $0[0].crossEntropy(softTargets: $0[1]) }
    }

    func testL1Loss() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([0, 4, 3, 1], shape: [2, 2])
        XCTAssertEqual(a.l1Loss(b).item, (1 + 2 + 0 + 3) / 4)
        let x = GradientCheck.distinct([3, 4], gap: 0.1, seed: 83)
        let y = GradientCheck.distinct([3, 4], gap: 0.1, seed: 84) + 0.05
        GradientCheck.check([x, y.detached()]) { $0[0].l1Loss($0[1]) }
    }
}

final class ResizeAndMaskTests: XCTestCase {
    func testBicubicMatchesTorch() throws {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/bicubic.safetensors")
        let t = try SafeTensors.read(url).tensors
        let x = t["input"]!
        for (key, h, w) in [("up_7x6", 7, 6), ("down_3x2", 3, 2)] {
            let y = x.resizedBicubic(height: h, width: w)
            XCTAssertEqual(y.shape, t[key]!.shape)
            for (a, b) in zip(y.scalars, t[key]!.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5, key) }
        }
        XCTAssertEqual(x.resizedBicubic(height: 4, width: 5).scalars, x.scalars, "same size is the identity")
    }

    func testCrossEntropyIgnoresMaskedLogits() {
        let x = Tensor([-.infinity, 1, 2, 0.5, -.infinity, 0], shape: [2, 3], requiresGrad: true)
        let loss = x.crossEntropy(labels: [2, 0])
        XCTAssertTrue(loss.item.isFinite)
        loss.backward()
        XCTAssertEqual(x.grad![0, 0], 0)
        XCTAssertFalse(x.grad!.scalars.contains { $0.isNaN })
        let b = GradientCheck.random([1, 3])
        GradientCheck.check([b]) { $0[0].broadcast(to: [2, 4, 3]) }
    }
}
