import XCTest
import TensorKit

final class ConvolutionTests: XCTestCase {
    /// Direct convolution, the definition.
    func naiveConv(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride s: Int, padding p: Int) -> Tensor {
        let (B, C, H, W) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (O, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
        let Ho = (H + 2 * p - kh) / s + 1, Wo = (W + 2 * p - kw) / s + 1
        let out = Tensor(zeros: [B, O, Ho, Wo])
        for bi in 0..<B { for o in 0..<O { for i in 0..<Ho { for j in 0..<Wo {
            var acc: Float = b?.scalars[o] ?? 0
            for c in 0..<C { for u in 0..<kh { for v in 0..<kw {
                let h = i * s - p + u, ww = j * s - p + v
                if h >= 0 && h < H && ww >= 0 && ww < W { acc += x[bi, c, h, ww] * w[o, c, u, v] }
            } } }
            out[bi, o, i, j] = acc
        } } } }
        return out
    }

    func testConvMatchesDirectAndGradients() {
        let configs: [(B: Int, C: Int, H: Int, W: Int, O: Int, k: Int, s: Int, p: Int, bias: Bool)] = [
            (2, 3, 9, 7, 4, 3, 1, 1, false), (3, 2, 11, 11, 3, 7, 2, 3, true), (1, 2, 6, 8, 2, 2, 2, 0, true),
            (2, 1, 5, 5, 2, 3, 2, 2, false),
            // Rows wide enough for the vectorised stride-2 gather, with ragged ends.
            (1, 2, 5, 41, 2, 7, 2, 3, false), (1, 1, 4, 38, 2, 3, 2, 1, true),
        ]
        for cfg in configs {
            let x = GradientCheck.random([cfg.B, cfg.C, cfg.H, cfg.W], seed: 41)
            let w = GradientCheck.random([cfg.O, cfg.C, cfg.k, cfg.k], seed: 42)
            let b = cfg.bias ? GradientCheck.random([cfg.O], seed: 43) : nil
            let y = Tensor.conv2d(x, weight: w, bias: b, stride: cfg.s, padding: cfg.p)
            let ref = naiveConv(x, w, b, stride: cfg.s, padding: cfg.p)
            XCTAssertEqual(y.shape, ref.shape)
            for (u, v) in zip(y.scalars, ref.scalars) { XCTAssertEqual(u, v, accuracy: 1e-4) }
            let inputs = [x, w] + (b.map { [$0] } ?? [])
            GradientCheck.check(inputs) {
                Tensor.conv2d($0[0], weight: $0[1], bias: cfg.bias ? $0[2] : nil, stride: cfg.s, padding: cfg.p)
            }
        }
    }

    func testConvWithoutInputGradientSkipsIt() {
        let x = GradientCheck.random([2, 3, 8, 8]), w = GradientCheck.random([4, 3, 3, 3])
        w.requiresGrad = true
        Tensor.conv2d(x, weight: w, stride: 2, padding: 1).sum().backward()
        XCTAssertNil(x.grad)
        XCTAssertEqual(w.grad?.shape, [4, 3, 3, 3])
    }

    func testMaxPoolPaddingIsNegativeInfinity() {
        // All-negative input: a zero-padded pool would return 0 at the borders.
        let x = Tensor((0..<16).map { -Float($0) - 1 }, shape: [1, 1, 4, 4])
        let y = x.maxPool2d(kernel: 3, stride: 2, padding: 1)
        XCTAssertEqual(y.shape, [1, 1, 2, 2])
        XCTAssertEqual(y.scalars, [-1, -2, -5, -6])
    }

    func testMaxPoolGradient() {
        for (k, s, p) in [(3, 2, 1), (3, 1, 1), (2, 2, 0)] {
            let x = GradientCheck.distinct([2, 3, 7, 6], gap: 0.05, seed: UInt64(k + s + p))
            GradientCheck.check([x]) { $0[0].maxPool2d(kernel: k, stride: s, padding: p) }
        }
    }

    /// The vectorised 3×3/2 pool (rows of ≥ 8 outputs, even and odd widths) against a direct
    /// loop: values, and where the gradient goes when windows tie (values on a 0.5 grid) —
    /// the first maximum in row-major window order, as PyTorch routes it.
    func testVectorisedMaxPoolMatchesDirectLoopWithTies() {
        for (H, W) in [(17, 37), (12, 16), (9, 30)] {
            var rng = RNG(seed: UInt64(H * W), stream: "pool")
            let x = Tensor((0..<(2 * 3 * H * W)).map { _ in (rng.uniform() * 8).rounded() / 2 }, shape: [2, 3, H, W])
            x.requiresGrad = true
            let y = x.maxPool2d(kernel: 3, stride: 2, padding: 1)
            let (Ho, Wo) = ((H - 1) / 2 + 1, (W - 1) / 2 + 1)
            XCTAssertEqual(y.shape, [2, 3, Ho, Wo])
            let g = GradientCheck.random([2, 3, Ho, Wo], seed: 5)
            y.backward(gradient: g)
            var gref = [Float](repeating: 0, count: x.count)
            let (xs, ys, gs) = (x.scalars, y.scalars, g.scalars)
            for pl in 0..<6 { for oh in 0..<Ho { for ow in 0..<Wo {
                var best = -Float.infinity, at = -1
                for h in max(0, 2 * oh - 1)..<min(H, 2 * oh + 2) { for w in max(0, 2 * ow - 1)..<min(W, 2 * ow + 2) {
                    let v = xs[pl * H * W + h * W + w]
                    if v > best { best = v; at = pl * H * W + h * W + w }
                } }
                XCTAssertEqual(ys[(pl * Ho + oh) * Wo + ow], best, "H=\(H) W=\(W) at \(pl),\(oh),\(ow)")
                gref[at] += gs[(pl * Ho + oh) * Wo + ow]
            } } }
            XCTAssertEqual(x.grad!.scalars, gref, "gradient routing H=\(H) W=\(W)")
        }
    }

    func testUnpatchifyLayoutAndGradient() {
        // One token, 2 channels, patch 2: out[c, u, v] = tok[c·4 + u·2 + v].
        let t = Tensor((0..<8).map(Float.init), shape: [1, 1, 8])
        XCTAssertEqual(t.unpatchify(gridHeight: 1, gridWidth: 1, channels: 2, patch: 2).scalars, (0..<8).map(Float.init))
        // Two-by-three grid: token (i, j) lands at rows 2i…, columns 2j….
        let g = Tensor((0..<(6 * 4)).map(Float.init), shape: [1, 6, 4])
        let img = g.unpatchify(gridHeight: 2, gridWidth: 3, channels: 1, patch: 2)
        XCTAssertEqual(img.shape, [1, 1, 4, 6])
        XCTAssertEqual(img[0, 0, 2, 4], g[0, 5, 0])   // token 5 = (1, 2)
        XCTAssertEqual(img[0, 0, 3, 5], g[0, 5, 3])
        GradientCheck.check([GradientCheck.random([2, 6, 12])]) {
            $0[0].unpatchify(gridHeight: 2, gridWidth: 3, channels: 3, patch: 2)
        }
    }
}
