import XCTest
import TensorKit

final class NormalizationTests: XCTestCase {
    func testLayerNormValuesAndGradients() {
        let x = Tensor([1, 2, 3, 4, 2, 2, 2, 6], shape: [2, 4])
        let y = x.layerNorm(weight: nil, bias: nil, eps: 0)
        let s = Float(1.25).squareRoot()
        XCTAssertEqual(y.scalars[0], -1.5 / s, accuracy: 1e-6)
        XCTAssertEqual(y.scalars[3], 1.5 / s, accuracy: 1e-6)
        let xr = GradientCheck.random([3, 5, 8], seed: 51)
        let w = GradientCheck.random([8], 0.5, 1.5, seed: 52), b = GradientCheck.random([8], seed: 53)
        GradientCheck.check([xr, w, b]) { $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-6) }
        GradientCheck.check([xr]) { $0[0].layerNorm(weight: nil, bias: nil) }
        // Widths with a vector body and a scalar tail.
        for D in [13, 21] {
            let x = GradientCheck.random([3, D], seed: 54), w = GradientCheck.random([D], 0.5, 1.5, seed: 55)
            let b = GradientCheck.random([D], seed: 56)
            GradientCheck.check([x, w, b]) { $0[0].layerNorm(weight: $0[1], bias: $0[2], eps: 1e-6) }
            GradientCheck.check([x]) { $0[0].layerNorm(weight: nil, bias: nil) }
        }
    }

    func testSoftmaxFamily() {
        let x = GradientCheck.random([4, 7], -3, 3, seed: 61)
        let p = x.softmax()
        for r in 0..<4 { XCTAssertEqual(p.scalars[(r * 7)..<(r * 7 + 7)].reduce(0, +), 1, accuracy: 1e-6) }
        let lp = x.logSoftmax()
        for (l, q) in zip(lp.scalars, p.scalars) { XCTAssertEqual(l, Foundation.log(q), accuracy: 1e-5) }
        GradientCheck.check([x]) { $0[0].softmax() }
        GradientCheck.check([x]) { $0[0].softmax(scale: 0.35) }
        GradientCheck.check([x]) { $0[0].logSoftmax() }
        // Large logits must not overflow.
        let big = Tensor([1000, 1001, 999], shape: [1, 3]).softmax()
        XCTAssertFalse(big.scalars.contains { $0.isNaN })
    }

    /// Rows take the vector path with an overlapping last vector whenever D ≥ 8, so every
    /// remainder (and D < 8, D = 8, 198) is compared with a Double reference.
    func testSoftmaxRowLengthsMatchDoubleReference() {
        for D in [1, 3, 7, 8, 9, 15, 16, 17, 23, 31, 33, 64, 198] {
            let x = GradientCheck.random([3, D], -30, 30, seed: UInt64(100 + D))
            for scale: Float in [1, 0.17] {
                let (xs, y) = (x.scalars, x.softmax(scale: scale).scalars)
                for r in 0..<3 {
                    let row = (0..<D).map { Double(xs[r * D + $0]) * Double(scale) }
                    let m = row.max()!, z = row.reduce(0) { $0 + Foundation.exp($1 - m) }
                    for i in 0..<D {
                        let ref = Foundation.exp(row[i] - m) / z
                        XCTAssertEqual(Double(y[r * D + i]), ref, accuracy: 1e-6 * max(ref, 1e-3),
                                       "D=\(D) scale=\(scale) row \(r) col \(i)")
                    }
                }
            }
        }
    }

    func testL2Normalize() {
        let x = GradientCheck.random([3, 6], seed: 71)
        let y = x.l2Normalized()
        y.withUnsafeBufferPointer { p in
            for r in 0..<3 { XCTAssertEqual(Kernels.dot(p.baseAddress! + r * 6, p.baseAddress! + r * 6, count: 6), 1, accuracy: 1e-5) }
        }
        GradientCheck.check([x]) { $0[0].l2Normalized() }
    }
}
