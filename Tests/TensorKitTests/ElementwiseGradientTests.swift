import XCTest
import TensorKit

final class ElementwiseGradientTests: XCTestCase {
    func testBroadcastingArithmetic() {
        let pairs: [([Int], [Int])] = [([2, 3, 4], [2, 3, 4]), ([2, 3, 4], [4]), ([2, 3, 4], [3, 1]),
                                       ([2, 1, 4], [1, 3, 1]), ([3, 4], []), ([1], [2, 3])]
        for (sa, sb) in pairs {
            let a = GradientCheck.random(sa, seed: 1), b = GradientCheck.random(sb, 0.5, 1.5, seed: 2)
            GradientCheck.check([a, b]) { $0[0] + $0[1] }
            GradientCheck.check([a, b]) { $0[0] - $0[1] }
            GradientCheck.check([a, b]) { $0[0] * $0[1] }
            GradientCheck.check([a, b]) { $0[0] / $0[1] }
        }
    }

    func testBroadcastValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let b = Tensor([10, 20], shape: [2, 1])
        XCTAssertEqual((a + b).scalars, [11, 12, 13, 24, 25, 26])
        XCTAssertEqual((a * Tensor([1, 0, 2], shape: [3])).scalars, [1, 0, 6, 4, 0, 12])
        XCTAssertEqual((a - 1).scalars, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual((2 * a / 4).scalars, [0.5, 1, 1.5, 2, 2.5, 3])
    }

    func testScalarAffine() {
        GradientCheck.check([GradientCheck.random([3, 5])]) { ($0[0] * 3 + 1) / 2 - 4 }
        GradientCheck.check([GradientCheck.random([7])]) { -$0[0] }
    }

    func testUnary() {
        GradientCheck.check([GradientCheck.random([4, 9], -2, 2)]) { $0[0].exp() }
        GradientCheck.check([GradientCheck.random([4, 9], 0.5, 3)]) { $0[0].log() }
        GradientCheck.check([GradientCheck.random([4, 9], -2, 2)]) { $0[0].tanh() }
        GradientCheck.check([GradientCheck.random([5, 11], -3, 3)]) { $0[0].gelu() }
        // Keep inputs off the kink at 0.
        GradientCheck.check([GradientCheck.distinct([4, 9], gap: 0.1)]) { $0[0].relu() }
    }

    func testVectorisedExpErfAndGeluAccuracy() {
        var x: Float = -20
        while x < 20 {
            let e = VectorMath.exp(x), ref = Foundation.exp(x)
            XCTAssertLessThanOrEqual(abs(e - ref), 3e-7 * ref, "exp(\(x))")
            XCTAssertLessThanOrEqual(abs(VectorMath.erf(x / 4) - erf(x / 4)), 4e-7, "erf(\(x / 4))")
            x += 0.0173
        }
        let t = GradientCheck.random([257], -6, 6)
        let (ts, y) = (t.scalars, t.gelu().scalars)
        for i in 0..<t.count {
            let v = Double(ts[i])
            let ref = 0.5 * v * (1 + Foundation.erf(v / 2.0.squareRoot()))
            XCTAssertEqual(Double(y[i]), ref, accuracy: 1e-6)
        }
        XCTAssertEqual(Tensor([-1, 0, 2], shape: [3]).relu().scalars, [0, 0, 2])
    }

    /// GELU's backward kernel (A&S erf, low-order exp, estimated reciprocal) against the
    /// analytic derivative Φ(x) + x·φ(x) in Double, over and beyond the range that matters.
    func testGeluDerivativeKernelAccuracy() {
        var x: Float = -12
        while x < 12 {
            let v = Double(x)
            let ref = 0.5 * (1 + Foundation.erf(v / 2.0.squareRoot())) + v * Foundation.exp(-v * v / 2) / (2 * Double.pi).squareRoot()
            let got = VectorMath.geluDerivative(SIMD8(repeating: x))
            XCTAssertEqual(Double(got[0]), ref, accuracy: 1e-6, "GELU'(\(x))")
            x += 0.0137
        }
        XCTAssertEqual(VectorMath.horizontalMax(SIMD8(3, -1, 7, 2, 9, 0, 8, -5)), 9)
        XCTAssertEqual(VectorMath.horizontalSum(SIMD8(1, 2, 3, 4, 5, 6, 7, 8)), 36)
        let r = VectorMath.reciprocal(SIMD8(1, 3, 7, 0.25, 1e-3, 1e3, 1.7, 12345))
        for (i, v) in [1, 3, 7, 0.25, 1e-3, 1e3, 1.7, 12345].enumerated() {
            XCTAssertEqual(Double(r[i]) * v, 1, accuracy: 5e-7, "1/\(v)")
        }
    }

    func testReductions() {
        let x = GradientCheck.random([2, 3, 4])
        for axes in [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]] {
            GradientCheck.check([x]) { $0[0].sum(axes: axes) }
            GradientCheck.check([x]) { $0[0].mean(axes: axes, keepDims: true) }
        }
        GradientCheck.check([x]) { $0[0].sum() }
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        XCTAssertEqual(a.sum(axes: [0]).scalars, [5, 7, 9])
        XCTAssertEqual(a.sum(axes: [1]).scalars, [6, 15])
        XCTAssertEqual(a.mean(axes: [1], keepDims: true).shape, [2, 1])
        XCTAssertEqual(a.mean().item, 3.5)
    }

    func testDropoutAndDropPath() {
        let x = GradientCheck.random([6, 3, 4])
        // The same seed each evaluation pins the mask, so the op is linear in x.
        GradientCheck.check([x]) { var r = RNG(seed: 5); return $0[0].dropout(0.3, rng: &r) }
        GradientCheck.check([x]) { var r = RNG(seed: 5); return $0[0].dropPath(0.5, rng: &r) }
        var r = RNG(seed: 7)
        let big = Tensor(repeating: 1, shape: [64, 100])
        let d = big.dropPath(0.25, rng: &r)
        for b in 0..<64 {
            let row = Array(d.scalars[(b * 100)..<(b * 100 + 100)])
            XCTAssertTrue(row.allSatisfy { $0 == 0 } || row.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 },
                          "drop-path must keep or drop whole samples")
        }
        let kept = (0..<64).filter { d[$0, 0] != 0 }.count
        XCTAssertTrue((36...60).contains(kept), "kept \(kept) of 64 at p = 0.25")
        let drop = Tensor(repeating: 1, shape: [10_000]).dropout(0.2, rng: &r)
        XCTAssertEqual(drop.mean().item, 1, accuracy: 0.03, "inverted dropout keeps the mean")
        XCTAssertEqual(x.dropout(0, rng: &r).scalars, x.scalars)
    }
}
