import XCTest
import TensorKit

final class LinearAlgebraTests: XCTestCase {
    /// Naive `op(a) · op(b)` for one matrix pair.
    func naive(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int, tA: Bool, tB: Bool) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n {
            var s: Float = 0
            for p in 0..<k { s += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]) }
            c[i * n + j] = s
        } }
        return c
    }

    func testMatmulMatchesNaiveForAllTransposes() {
        let (m, n, k) = (5, 4, 3)
        for tA in [false, true] { for tB in [false, true] {
            let a = GradientCheck.random(tA ? [k, m] : [m, k], seed: 11)
            let b = GradientCheck.random(tB ? [n, k] : [k, n], seed: 12)
            let c = Tensor.matmul(a, b, transposeA: tA, transposeB: tB)
            XCTAssertEqual(c.shape, [m, n])
            let ref = naive(a.scalars, b.scalars, m: m, n: n, k: k, tA: tA, tB: tB)
            for (x, y) in zip(c.scalars, ref) { XCTAssertEqual(x, y, accuracy: 1e-5) }
            GradientCheck.check([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: tA, transposeB: tB) }
        } }
    }

    /// Large GEMMs are split over csit's threads (rows when C is tall, columns when wide,
    /// the inner dimension when it dwarfs both); every transpose and a ragged split must
    /// give the single-threaded product, with and without beta, at strided leading dimensions.
    func testSplitGEMMMatchesSingleThreaded() {
        for (m, n, k) in [(403, 61, 97), (45, 517, 131), (40, 24, 2501)] {
            for tA in [false, true] { for tB in [false, true] {
                let (lda, ldb, ldc) = ((tA ? m : k) + 3, (tB ? k : n) + 2, n + 1)
                let aa = GradientCheck.random([(tA ? k : m) * lda], seed: 23)
                let bb = GradientCheck.random([(tB ? n : k) * ldb], seed: 24)
                func product(threads: Int, beta: Float) -> [Float] {
                    let c = Tensor(repeating: 0.5, shape: [m * ldc])
                    ComputeContext(threads: threads).run {
                        Tensor.withUnsafeMutableBufferPointers([aa, bb, c]) { p in
                            BLAS.sgemm(transA: tA, transB: tB, m: m, n: n, k: k, alpha: 0.7, a: p[0].baseAddress!, lda: lda,
                                       b: p[1].baseAddress!, ldb: ldb, beta: beta, c: p[2].baseAddress!, ldc: ldc)
                        }
                    }
                    return c.scalars
                }
                for beta: Float in [0, 1] {
                    let one = product(threads: 1, beta: beta), three = product(threads: 3, beta: beta)
                    for i in 0..<one.count {
                        // A split inner dimension adds in another order: rounding grows as √k.
                        XCTAssertEqual(three[i], one[i], accuracy: 3e-6 * Float(k).squareRoot() * max(1, abs(one[i])),
                                       "m=\(m) n=\(n) tA=\(tA) tB=\(tB) beta=\(beta) at \(i)")
                    }
                }
            } }
        }
    }

    /// The bias gradient sums the output gradient over all rows; with enough rows it is
    /// split over threads, which must not change the sums.
    func testLinearBiasGradientOverManyRows() {
        let x = GradientCheck.random([1100, 6], seed: 31), w = GradientCheck.random([5, 6], seed: 32)
        let b = GradientCheck.random([5], seed: 33)
        b.requiresGrad = true
        let g = GradientCheck.random([1100, 5], seed: 34)
        ComputeContext(threads: 3).run { Tensor.linear(x, weight: w, bias: b).backward(gradient: g) }
        for c in 0..<5 {
            let ref = (0..<1100).reduce(0.0) { $0 + Double(g[$1, c]) }
            XCTAssertEqual(Double(b.grad![c]), ref, accuracy: 1e-4, "column \(c)")
        }
    }

    func testBatchedMatmul() {
        let (B, m, n, k) = (3, 4, 5, 6)
        for tA in [false, true] { for tB in [false, true] {
            let a = GradientCheck.random(tA ? [B, k, m] : [B, m, k], seed: 21)
            let b = GradientCheck.random(tB ? [B, n, k] : [B, k, n], seed: 22)
            let c = Tensor.matmul(a, b, transposeA: tA, transposeB: tB)
            XCTAssertEqual(c.shape, [B, m, n])
            for bi in 0..<B {
                let ref = naive(Array(a.scalars[(bi * m * k)..<((bi + 1) * m * k)]),
                                Array(b.scalars[(bi * n * k)..<((bi + 1) * n * k)]), m: m, n: n, k: k, tA: tA, tB: tB)
                for (x, y) in zip(c.scalars[(bi * m * n)..<((bi + 1) * m * n)], ref) { XCTAssertEqual(x, y, accuracy: 1e-5) }
            }
            GradientCheck.check([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: tA, transposeB: tB) }
        } }
        // A rank-3 batch against one shared matrix.
        let x = GradientCheck.random([2, 3, 4], seed: 23), w = GradientCheck.random([4, 5], seed: 24)
        GradientCheck.check([x, w]) { Tensor.matmul($0[0], $0[1]) }
        GradientCheck.check([x, GradientCheck.random([5, 4], seed: 25)]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
    }

    func testLinear() {
        let x = GradientCheck.random([2, 3, 6], seed: 31)
        let w = GradientCheck.random([4, 6], seed: 32), b = GradientCheck.random([4], seed: 33)
        let y = Tensor.linear(x, weight: w, bias: b)
        XCTAssertEqual(y.shape, [2, 3, 4])
        let ref = naive(x.scalars, w.scalars, m: 6, n: 4, k: 6, tA: false, tB: true)
        let (ys, bs) = (y.scalars, b.scalars)
        for i in 0..<6 { for j in 0..<4 { XCTAssertEqual(ys[i * 4 + j], ref[i * 4 + j] + bs[j], accuracy: 1e-5) } }
        GradientCheck.check([x, w, b]) { Tensor.linear($0[0], weight: $0[1], bias: $0[2]) }
        GradientCheck.check([x, w]) { Tensor.linear($0[0], weight: $0[1], bias: nil) }
    }

    func testFrozenWeightGetsNoGradient() {
        let x = GradientCheck.random([3, 4]), w = GradientCheck.random([2, 4])
        x.requiresGrad = true
        w.requiresGrad = false
        Tensor.linear(x, weight: w, bias: nil).sum().backward()
        XCTAssertNil(w.grad)
        XCTAssertNotNil(x.grad)
        // Nothing requires grad: nothing is recorded.
        x.requiresGrad = false
        XCTAssertFalse(Tensor.linear(x, weight: w, bias: nil).requiresGrad)
    }

    func testNoGradScopeRecordsNothing() {
        let w = GradientCheck.random([2, 2]); w.requiresGrad = true
        let y = withoutGrad { (w * w).sum() }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
    }

    func testGradientsAccumulateAcrossBackwardCalls() {
        let w = Tensor([1, 2, 3], shape: [3], requiresGrad: true)
        (w * w).sum().backward()
        (w * 3).sum().backward()
        XCTAssertEqual(w.grad!.scalars, [5, 7, 9])
        // A tensor used twice in one graph sums both paths.
        w.grad = nil
        let y = w * w
        (y + y * w).sum().backward()
        XCTAssertEqual(w.grad!.scalars, [2 + 3, 4 + 12, 6 + 27])
    }
}

final class AttentionKernelTests: XCTestCase {
    /// The fused kernel equals softmax(QKᵀ/√dₕ)V built from separate ops, and its gradient
    /// passes the finite-difference check.
    func testFusedAttentionMatchesComposition() {
        let (B, N, h, dh) = (2, 5, 2, 3)
        let d = h * dh
        let qkv = GradientCheck.random([B, N, 3 * d], seed: 91)
        let fused = Tensor.attention(qkv: qkv, heads: h)
        let parts = qkv.reshaped([B, N, 3, h, dh]).permuted([2, 0, 3, 1, 4]).reshaped([3, B * h, N, dh])
        let q = parts.slice(rows: 0..<1).reshaped([B * h, N, dh]), k = parts.slice(rows: 1..<2).reshaped([B * h, N, dh])
        let v = parts.slice(rows: 2..<3).reshaped([B * h, N, dh])
        let p = Tensor.matmul(q, k, transposeB: true).softmax(scale: 1 / Float(dh).squareRoot())
        let ref = Tensor.matmul(p, v).reshaped([B, h, N, dh]).permuted([0, 2, 1, 3]).reshaped([B, N, d])
        for (a, b) in zip(fused.scalars, ref.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        GradientCheck.check([qkv]) { Tensor.attention(qkv: $0[0], heads: h) }
    }
}
