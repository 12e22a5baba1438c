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
        return out.recorded([self], category: .activation) { g in
            let gx = Tensor(uninitializedShape: self.shape)
            let gp = g.data, gxp = gx.data
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
        var mv = V(repeating: -.infinity)
        var i = 0
        while i + 8 <= D {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            mv.replace(with: v, where: v .> mv)
            i += 8
        }
        // Horizontal max by halves (lane-by-lane extraction is slow).
        var h4 = mv.lowHalf
        h4.replace(with: mv.highHalf, where: mv.highHalf .> h4)
        var h2 = h4.lowHalf
        h2.replace(with: h4.highHalf, where: h4.highHalf .> h2)
        var m = Swift.max(h2[0], h2[1])
        while i < D { m = Swift.max(m, x[i]); i += 1 }
        // exp(scale·(x − m)) and its sum in one pass (scale > 0 keeps m the maximiser).
        let sv = V(repeating: scale), ms = V(repeating: -m * scale)
        var acc = V.zero
        i = 0
        while i + 8 <= D {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            let e = VectorMath.expNonPositive(ms.addingProduct(v, sv))
            UnsafeMutableRawPointer(y + i).storeBytes(of: e, as: V.self)
            acc += e
            i += 8
        }
        let s4 = acc.lowHalf + acc.highHalf, s2 = s4.lowHalf + s4.highHalf
        var total = s2[0] + s2[1]
        if i < D && D >= 8 {
            // The tail through one overlapping vector (the last 8 entries), keeping only the
            // lanes not done yet: one vector exponential instead of one per element.
            let start = D - 8
            let v = UnsafeRawPointer(x + start).loadUnaligned(as: V.self)
            let e = VectorMath.expNonPositive(ms.addingProduct(v, sv))
            for j in (8 - (D - i))..<8 { y[start + j] = e[j]; total += e[j] }
        } else {
            while i < D { let e = VectorMath.exp(x[i] * scale - m * scale); y[i] = e; total += e; i += 1 }
        }
        let inv = 1 / total
        for j in 0..<D { y[j] *= inv }
    }

    /// log-softmax over the last axis.
    public func logSoftmax() -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let D = shape.last!, rows = count / D
        let out = Tensor(uninitializedShape: shape)
        let xp = data, yp = out.data
        for r in 0..<rows { Tensor.logSoftmaxRow(xp + r * D, yp + r * D, D) }
        return out.recorded([self], category: .activation) { g in
            let gx = Tensor(uninitializedShape: self.shape)
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
