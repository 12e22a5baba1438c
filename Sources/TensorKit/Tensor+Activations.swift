import Foundation

extension Tensor {
    /// Applies a vectorised kernel over all elements in parallel; no autodiff.
    func mapped<K: VectorUnaryKernel>(_ k: K.Type) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        let x = data, y = out.data
        Parallel.forEach(count, minChunk: 1 << 14) { r in
            VectorMath.map(k, x + r.lowerBound, y + r.lowerBound, count: r.count)
        }
        return out
    }

    /// Combines two same-shaped tensors elementwise in parallel; no autodiff.
    func zipMapped<K: VectorBinaryKernel>(_ other: Tensor, _ k: K.Type) -> Tensor {
        precondition(other.count == count)
        let out = Tensor(uninitializedShape: shape)
        let a = data, b = other.data, y = out.data
        Parallel.forEach(count, minChunk: 1 << 14) { r in
            VectorMath.map2(k, a + r.lowerBound, b + r.lowerBound, y + r.lowerBound, count: r.count)
        }
        return out
    }

    /// eˣ elementwise.
    public func exp() -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let out = mapped(ExpKernel.self)
        return out.recorded([self], category: .activation) { [unowned out] g in [g.zipMapped(out, MulKernel.self)] }
    }

    /// Natural logarithm elementwise.
    public func log() -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let out = Tensor(uninitializedShape: shape)
        let x = data, y = out.data
        for i in 0..<count { y[i] = Foundation.log(x[i]) }
        return out.recorded([self], category: .activation) { g in [g.zipMapped(self, DivKernel.self)] }
    }

    /// max(x, 0) elementwise.
    public func relu() -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let out = mapped(ReluKernel.self)
        return out.recorded([self], category: .activation) { [unowned out] g in [g.zipMapped(out, ReluBackwardKernel.self)] }
    }

    /// Hyperbolic tangent elementwise.
    public func tanh() -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let out = Tensor(uninitializedShape: shape)
        let x = data, y = out.data
        for i in 0..<count { y[i] = Foundation.tanh(x[i]) }
        return out.recorded([self], category: .activation) { [unowned out] g in [g.zipMapped(out, TanhBackwardKernel.self)] }
    }

    /// Exact GELU, `x · Φ(x)` with Φ from erf (PyTorch's default, not the tanh form).
    public func gelu() -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .activation) }
        let out = mapped(GeluKernel.self)
        return out.recorded([self], category: .activation) { g in [g.zipMapped(self, GeluBackwardKernel.self)] }
    }
}

typealias V8 = SIMD8<Float>
enum ExpKernel: VectorUnaryKernel { @inline(__always) static func apply(_ x: V8) -> V8 { VectorMath.exp(x) } }
enum ReluKernel: VectorUnaryKernel {
    @inline(__always) static func apply(_ x: V8) -> V8 { x.replacing(with: 0, where: x .< 0) }
}
enum MulKernel: VectorBinaryKernel { @inline(__always) static func apply(_ a: V8, _ b: V8) -> V8 { a * b } }
enum DivKernel: VectorBinaryKernel { @inline(__always) static func apply(_ a: V8, _ b: V8) -> V8 { a / b } }
enum ReluBackwardKernel: VectorBinaryKernel {
    @inline(__always) static func apply(_ g: V8, _ y: V8) -> V8 { g.replacing(with: 0, where: y .<= 0) }
}
enum TanhBackwardKernel: VectorBinaryKernel {
    @inline(__always) static func apply(_ g: V8, _ y: V8) -> V8 { g * (1 - y * y) }
}
/// Exact GELU: `x · Φ(x)`, Φ(x) = ½(1 + erf(x/√2)).
enum GeluKernel: VectorUnaryKernel {
    @inline(__always) static func apply(_ x: V8) -> V8 { 0.5 * x * (1 + VectorMath.erf(x * 0.70710678118654752)) }
}
/// `g · GELU'(x)`; GELU'(x) = Φ(x) + x·φ(x).
enum GeluBackwardKernel: VectorBinaryKernel {
    @inline(__always) static func apply(_ g: V8, _ x: V8) -> V8 { g * VectorMath.geluDerivative(x) }
}
