import Foundation

extension Tensor {
    /// Softmax over the last axis, optionally of `scale · x` (fused for attention).
    public func softmax(scale: Float = 1) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let D = shape.last!, rows = count / D
        let out = Tensor(uninitializedShape: shape)
        let xp = data, yp = out.data
        Parallel.forEach(rows, minChunk: 16) { range in
            for r in range { Tensor.softmaxRow(xp + r * D, yp + r * D, D, scale) }
        }
        return out.recorded([self], category: .activation) { [unowned out] g in
            let gx = Tensor(uninitializedShape: self.shape)
            let yp = out.data, gp = g.data, gxp = gx.data
            Parallel.forEach(rows, minChunk: 16) { range in
                for r in range {   // dx = scale · y ⊙ (g − Σ g·y)
                    let y = yp + r * D, gy = gp + r * D, dx = gxp + r * D
                    let s = Kernels.dot(gy, y, count: D)
                    for i in 0..<D { dx[i] = scale * y[i] * (gy[i] - s) }
                }
            }
            return [gx]
        }
    }

    @inline(__always)
    static func softmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ D: Int, _ scale: Float) {
        typealias V = SIMD8<Float>
        guard D >= 8 else { return softmaxShortRow(x, y, D, scale) }
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
        @inline(__always) func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
        }
        // Rows are short (198 for attention) and every pass is compute-bound, so each pass
        // covers the ragged end with one overlapping vector instead of a scalar loop, and the
        // max runs on four accumulators to shorten its dependency chain.
        let body = D & ~7, tail = D - body, last = D - 8
        var m0 = load(x), m1 = load(x + last), m2 = m0, m3 = m1
        var i = 8
        while i + 32 <= body {
            m0 = VectorMath.maximum(m0, load(x + i)); m1 = VectorMath.maximum(m1, load(x + i + 8))
            m2 = VectorMath.maximum(m2, load(x + i + 16)); m3 = VectorMath.maximum(m3, load(x + i + 24))
            i += 32
        }
        while i < body { m0 = VectorMath.maximum(m0, load(x + i)); i += 8 }
        m0 = VectorMath.maximum(VectorMath.maximum(m0, m1), VectorMath.maximum(m2, m3))
        let m = VectorMath.horizontalMax(m0)
        // exp(scale·(x − m)) and its sum in one pass (scale > 0 keeps m the maximiser).
        let sv = V(repeating: scale), ms = V(repeating: -m * scale)
        var acc = V.zero
        i = 0
        while i < body {
            let e = VectorMath.expNonPositive(ms.addingProduct(load(x + i), sv))
            store(e, y + i); acc += e; i += 8
        }
        var tailExp = V.zero
        // Lanes 8 − tail ..< 8 of the last vector are the ones the body did not cover.
        let fresh = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .>= SIMD8<Int32>(repeating: Int32(8 - tail))
        if tail > 0 {
            tailExp = VectorMath.expNonPositive(ms.addingProduct(load(x + last), sv))
            acc += V.zero.replacing(with: tailExp, where: fresh)
        }
        let inv = V(repeating: 1 / VectorMath.horizontalSum(acc))
        i = 0
        while i < body { store(load(y + i) * inv, y + i); i += 8 }
        if tail > 0 {
            store(load(y + last).replacing(with: tailExp * inv, where: fresh), y + last)
        }
    }

    /// Rows shorter than one vector (class logits): plain scalar passes.
    static func softmaxShortRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ D: Int, _ scale: Float) {
        var m = -Float.infinity
        for i in 0..<D { m = Swift.max(m, x[i]) }
        var total: Float = 0
        for i in 0..<D { let e = VectorMath.exp(x[i] * scale - m * scale); y[i] = e; total += e }
        let inv = 1 / total
        for i in 0..<D { y[i] *= inv }
    }

    /// log-softmax over the last axis.
    public func logSoftmax() -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let D = shape.last!, rows = count / D
        let out = Tensor(uninitializedShape: shape)
        let xp = data, yp = out.data
        for r in 0..<rows { Tensor.logSoftmaxRow(xp + r * D, yp + r * D, D) }
        return out.recorded([self], category: .activation) { [unowned out] g in
            let gx = Tensor(uninitializedShape: self.shape)
            let yp = out.data
            for r in 0..<rows {   // dx = g − softmax · Σg
                let y = yp + r * D, gy = g.data + r * D, dx = gx.data + r * D
                let s = Kernels.sum(gy, count: D)
                for i in 0..<D { dx[i] = gy[i] - Foundation.exp(y[i]) * s }
            }
            return [gx]
        }
    }

    @inline(__always)
    static func logSoftmaxRow(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ D: Int) {
        var m = -Float.infinity
        for i in 0..<D { m = Swift.max(m, x[i]) }
        var s: Float = 0
        for i in 0..<D { s += Foundation.exp(x[i] - m) }
        let lse = m + Foundation.log(s)
        for i in 0..<D { y[i] = x[i] - lse }
    }
}
