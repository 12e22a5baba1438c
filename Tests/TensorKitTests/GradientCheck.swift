import XCTest
import TensorKit

/// Central-difference gradient checking for ops.
///
/// The scalar checked is `Σ f(inputs) ⊙ R` with a fixed random `R`, so every output
/// element's gradient path is exercised with a distinct weight. Finite differences are
/// taken in Float32 but the scalar is summed in Double.
enum GradientCheck {
    static func check(
        _ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 1e-2, atol: Float = 2e-3,
        file: StaticString = #filePath, line: UInt = #line,
        _ f: ([Tensor]) -> Tensor
    ) {
        for t in inputs { t.requiresGrad = true; t.grad = nil }
        let out = f(inputs)
        var rng = RNG(seed: 99, stream: "gradcheck")
        let weights = Tensor.uniform(out.shape, -1, 1, rng: &rng)
        (out * weights).sum().backward()

        let w = weights.scalars
        func objective() -> Double {
            let y = withoutGrad { f(inputs) }.scalars
            var s = 0.0
            for i in 0..<y.count { s += Double(y[i]) * Double(w[i]) }
            return s
        }
        var checked = 0
        for (k, x) in inputs.enumerated() {
            guard let g = x.grad else {
                XCTFail("input \(k) got no gradient", file: file, line: line)
                continue
            }
            XCTAssertEqual(g.shape, x.shape, file: file, line: line)
            let analyticGrad = g.scalars
            func set(_ i: Int, _ v: Float) { x.withUnsafeMutableBufferPointer { $0[i] = v } }
            for i in 0..<x.count {
                let orig = x.withUnsafeBufferPointer { $0[i] }
                set(i, orig + eps)
                let fp = objective()
                set(i, orig - eps)
                let fm = objective()
                set(i, orig)
                let numeric = Float((fp - fm) / (2 * Double(eps)))
                let analytic = analyticGrad[i]
                let tol = atol + rtol * max(abs(numeric), abs(analytic))
                if abs(numeric - analytic) > tol {
                    XCTFail("input \(k) element \(i): analytic \(analytic) vs numeric \(numeric)", file: file, line: line)
                    return
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0, file: file, line: line)
    }

    /// Random values in [lo, hi) under a fixed seed.
    static func random(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1, seed: UInt64 = 1) -> Tensor {
        var rng = RNG(seed: seed, stream: "input")
        return Tensor.uniform(shape, lo, hi, rng: &rng)
    }

    /// Values whose pairwise gaps exceed `gap` (for max-pool and kinks), shuffled.
    static func distinct(_ shape: [Int], gap: Float = 0.05, seed: UInt64 = 3) -> Tensor {
        let n = shape.reduce(1, *)
        var rng = RNG(seed: seed, stream: "distinct")
        let perm = rng.permutation(n)
        return Tensor(perm.map { (Float($0) - Float(n) / 2 + 0.5) * gap }, shape: shape)
    }
}
