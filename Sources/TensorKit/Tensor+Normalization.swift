import Foundation

extension Tensor {
    /// Layer normalisation over the last axis with affine `weight`/`bias` of `[D]`.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-6) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .norm) }
        let D = shape.last!
        let rows = count / D
        let out = Tensor(uninitializedShape: shape)
        // Per-row mean and 1/σ, kept for backward.
        let stats = Tensor(uninitializedShape: [rows, 2])
        let xp = data, yp = out.data, sp = stats.data
        let wp = weight?.data, bp = bias?.data
        Parallel.forEach(rows, minChunk: 64) { range in
            for r in range {
                let x = xp + r * D, y = yp + r * D
                let mean = Kernels.sum(x, count: D) / Float(D)
                let v = Kernels.sumOfSquaredDeviations(x, mean: mean, count: D)
                let rstd = 1 / (v / Float(D) + eps).squareRoot()
                sp[2 * r] = mean; sp[2 * r + 1] = rstd
                if let wp, let bp {
                    for i in 0..<D { y[i] = (x[i] - mean) * rstd * wp[i] + bp[i] }
                } else {
                    for i in 0..<D { y[i] = (x[i] - mean) * rstd }
                }
            }
        }
        var inputs = [self]
        if let weight { inputs.append(weight) }
        if let bias { inputs.append(bias) }
        return out.recorded(inputs, category: .norm) { g in
            // Pointers from captured tensors only: the closure keeps those alive, not a pointer.
            let xp = self.data, sp = stats.data, wp = weight?.data
            let gp = g.data
            let needX = self.requiresGrad
            let gx = needX ? Tensor(uninitializedShape: self.shape) : nil
            let needWB = (weight?.requiresGrad ?? false) || (bias?.requiresGrad ?? false)
            let slots = Parallel.slotCount(rows, minChunk: 64)
            // Per-slot partial sums of dγ and dβ, reduced after the parallel loop.
            let partial = needWB ? Tensor(zeros: [slots, 2, D]) : nil
            Parallel.forEachSlot(rows, minChunk: 64) { slot, range in
                let gxp = gx?.data
                let pw = partial.map { $0.data + slot * 2 * D }
                for r in range {
                    let x = xp + r * D, gy = gp + r * D
                    let mean = sp[2 * r], rstd = sp[2 * r + 1]
                    if let pw {
                        for i in 0..<D { pw[i] += gy[i] * (x[i] - mean) * rstd; pw[D + i] += gy[i] }
                    }
                    if let gxp {
                        // dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)), ĝ = g · γ
                        let (s1, s2) = Tensor.layerNormGradientMeans(gy, x, wp, D, mean, rstd)
                        let dx = gxp + r * D
                        if let wp {
                            for i in 0..<D { dx[i] = rstd * (gy[i] * wp[i] - s1 - (x[i] - mean) * rstd * s2) }
                        } else {
                            for i in 0..<D { dx[i] = rstd * (gy[i] - s1 - (x[i] - mean) * rstd * s2) }
                        }
                    }
                }
            }
            var grads: [Tensor?] = [gx]
            if let partial {
                let gw = Tensor(zeros: [D]), gb = Tensor(zeros: [D])
                for s in 0..<slots {
                    Kernels.add(gw.data, partial.data + s * 2 * D, into: gw.data, count: D)
                    Kernels.add(gb.data, partial.data + s * 2 * D + D, into: gb.data, count: D)
                }
                if weight != nil { grads.append(weight!.requiresGrad ? gw : nil) }
                if bias != nil { grads.append(bias!.requiresGrad ? gb : nil) }
            }
            return grads
        }
    }

    /// mean(ĝ) and mean(ĝ · x̂) of one row, ĝ = g · γ, on vector accumulators (a scalar
    /// float sum is one dependent add per element: LLVM may not reorder it).
    @inline(__always)
    static func layerNormGradientMeans(_ gy: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                                       _ wp: UnsafeMutablePointer<Float>?, _ D: Int,
                                       _ mean: Float, _ rstd: Float) -> (Float, Float) {
        typealias V = SIMD8<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
            UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
        }
        var a1 = V.zero, a2 = V.zero
        let mv = V(repeating: mean)
        var i = 0
        while i + 8 <= D {
            let gh = wp.map { load(gy, i) * load($0, i) } ?? load(gy, i)
            a1 += gh
            a2 = a2.addingProduct(gh, load(x, i) - mv)
            i += 8
        }
        var s1 = VectorMath.horizontalSum(a1), s2 = VectorMath.horizontalSum(a2)
        while i < D {
            let gh = gy[i] * (wp?[i] ?? 1)
            s1 += gh; s2 += gh * (x[i] - mean)
            i += 1
        }
        return (s1 / Float(D), s2 * rstd / Float(D))
    }

    /// Rows scaled to unit L2 norm over the last axis: `x / max(‖x‖, eps)`.
    public func l2Normalized(eps: Float = 1e-12) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .norm) }
        let D = shape.last!, rows = count / D
        let out = Tensor(uninitializedShape: shape)
        let norms = Tensor(uninitializedShape: [rows])
        let xp = data, yp = out.data, np = norms.data
        for r in 0..<rows {
            let n = Swift.max(Kernels.dot(xp + r * D, xp + r * D, count: D).squareRoot(), eps)
            np[r] = n
            Kernels.scale(xp + r * D, by: 1 / n, into: yp + r * D, count: D)
        }
        return out.recorded([self], category: .norm) { [unowned out] g in
            let np = norms.data, yp = out.data
            let gx = Tensor(uninitializedShape: self.shape)
            for r in 0..<rows {
                let y = yp + r * D, gy = g.data + r * D, dx = gx.data + r * D
                let n = np[r]
                if n <= eps {   // clamped: the map is x / eps, linear
                    Kernels.scale(gy, by: 1 / n, into: dx, count: D)
                } else {        // (g − y·(g·y)) / ‖x‖
                    let dotGY = Kernels.dot(gy, y, count: D)
                    for i in 0..<D { dx[i] = (gy[i] - y[i] * dotGY) / n }
                }
            }
            return [gx]
        }
    }
}
