import Foundation

extension Tensor {
    /// Applies a vectorised map over all elements in parallel; no autodiff.
    func mapped(_ f: (VectorMath.V) -> VectorMath.V) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let x = data, y = out.data
        Parallel.forEach(count, minChunk: 1 << 14) { r in
            VectorMath.map(x + r.lowerBound, y + r.lowerBound, count: r.count, f)
        }
        return out
    }

    /// Combines two same-shaped tensors elementwise in parallel; no autodiff.
    func zipMapped(_ other: Tensor, _ f: (VectorMath.V, VectorMath.V) -> VectorMath.V) -> Tensor {
        precondition(other.count == count)
        let out = Tensor(uninitializedShape: shape)
        let a = data, b = other.data, y = out.data
        Parallel.forEach(count, minChunk: 1 << 14) { r in
            VectorMath.map2(a + r.lowerBound, b + r.lowerBound, y + r.lowerBound, count: r.count, f)
        }
        return out
    }

    /// eˣ elementwise.
    public func exp() -> Tensor {
        let out = mapped { VectorMath.exp($0) }
        return out.recorded([self]) { g in [g.zipMapped(out) { $0 * $1 }] }
    }

    /// Natural logarithm elementwise.
    public func log() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let x = data, y = out.data
        for i in 0..<count { y[i] = Foundation.log(x[i]) }
        return out.recorded([self]) { g in [g.zipMapped(self) { $0 / $1 }] }
    }

    /// max(x, 0) elementwise.
    public func relu() -> Tensor {
        let out = mapped { $0.replacing(with: 0, where: $0 .< 0) }
        return out.recorded([self]) { g in
            [g.zipMapped(out) { gv, y in gv.replacing(with: 0, where: y .<= 0) }]
        }
    }

    /// Hyperbolic tangent elementwise.
    public func tanh() -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let x = data, y = out.data
        for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
        return out.recorded([self]) { g in [g.zipMapped(out) { gv, y in gv * (1 - y * y) }] }
    }

    /// Exact GELU, `x · Φ(x)` with Φ from erf (PyTorch's default, not the tanh form).
    public func gelu() -> Tensor {
        let out = mapped(Tensor.geluForward)
        return out.recorded([self]) { g in [g.zipMapped(self, Tensor.geluBackward)] }
    }

    @inline(__always)
    static func geluForward(_ x: VectorMath.V) -> VectorMath.V {
        0.5 * x * (1 + VectorMath.erf(x * 0.70710678118654752))
    }

    /// `g · GELU'(x)`; GELU'(x) = Φ(x) + x·φ(x).
    @inline(__always)
    static func geluBackward(_ g: VectorMath.V, _ x: VectorMath.V) -> VectorMath.V {
        let cdf = 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
        let pdf = VectorMath.exp(-0.5 * x * x) * 0.39894228040143268
        return g * (cdf + x * pdf)
    }
}
