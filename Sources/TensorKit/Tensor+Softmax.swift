import Foundation

extension Tensor {
    /// Softmax over the last axis, optionally of `scale · x` (fused for attention).
    public func softmax(scale: Float = 1) -> Tensor {
        let D = shape.last!, rows = count / D
        let out = Tensor(uninitializedShape: shape)
        let xp = data, yp = out.data
        Parallel.forEach(rows, minChunk: 16) { range in
            for r in range { Tensor.softmaxRow(xp + r * D, yp + r * D, D, scale) }
        }
        return out.recorded([self]) { g in
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
        var m = -Float.infinity
        for i in 0..<D { m = Swift.max(m, x[i]) }
        let ms = m * scale
        VectorMath.map(x, y, count: D) { VectorMath.exp($0 * scale - ms) }
        let inv = 1 / Kernels.sum(y, count: D)
        for i in 0..<D { y[i] *= inv }
    }

    /// log-softmax over the last axis.
    public func logSoftmax() -> Tensor {
        let D = shape.last!, rows = count / D
        let out = Tensor(uninitializedShape: shape)
        let xp = data, yp = out.data
        for r in 0..<rows { Tensor.logSoftmaxRow(xp + r * D, yp + r * D, D) }
        return out.recorded([self]) { g in
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
