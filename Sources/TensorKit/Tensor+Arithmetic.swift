protocol BinaryFn { static func apply(_ a: Float, _ b: Float) -> Float }
enum AddFn: BinaryFn { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a + b } }
enum SubFn: BinaryFn { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a - b } }
enum MulFn: BinaryFn { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a * b } }
enum DivFn: BinaryFn { @inline(__always) static func apply(_ a: Float, _ b: Float) -> Float { a / b } }

extension Tensor {
    /// Elementwise `f(a, b)` with NumPy broadcasting; no autodiff.
    static func broadcastBinary<F: BinaryFn>(_ a: Tensor, _ b: Tensor, _: F.Type) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .elementwise) }
        guard let outShape = BroadcastPlan.resultShape(a.shape, b.shape) else {
            preconditionFailure("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let out = Tensor(uninitializedShape: outShape)
        let plan = BroadcastPlan(outShape: outShape, operands: [a.shape, b.shape])
        let pa = a.data, pb = b.data, po = out.data
        let inner = plan.inner
        let sa = plan.strides[0].last!, sb = plan.strides[1].last!
        let rows = plan.rows
        Parallel.forEach(rows, minChunk: Swift.max(1, 32768 / Swift.max(inner, 1))) { range in
            for row in range {
                let oa = plan.offsets(row: row, operand: 0), ob = plan.offsets(row: row, operand: 1)
                let x = pa + oa, y = pb + ob, z = po + row * inner
                switch (sa, sb) {
                case (1, 1): for i in 0..<inner { z[i] = F.apply(x[i], y[i]) }
                case (1, 0): let v = y[0]; for i in 0..<inner { z[i] = F.apply(x[i], v) }
                case (0, 1): let v = x[0]; for i in 0..<inner { z[i] = F.apply(v, y[i]) }
                default: let v = F.apply(x[0], y[0]); for i in 0..<inner { z[i] = v }
                }
            }
        }
        return out
    }

    /// Sums `self` down to `target` (a shape `self` broadcasts from); no autodiff.
    public func sumToShape(_ target: [Int]) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .elementwise) }
        if target == shape { return self }
        let out = Tensor(zeros: target)
        guard count > 0 else { return out }
        let plan = BroadcastPlan(outShape: shape, operands: [shape, target])
        let inner = plan.inner
        let so = plan.strides[1].last!
        let pi = data, po = out.data
        // Serial: rows may write the same output row, and these reductions are small
        // next to the GEMMs they follow.
        for row in 0..<plan.rows {
            let x = pi + plan.offsets(row: row, operand: 0)
            let z = po + plan.offsets(row: row, operand: 1)
            if so == 0 { z[0] += Kernels.sum(x, count: inner) } else { Kernels.add(z, x, into: z, count: inner) }
        }
        return out
    }

    /// `self` repeated along broadcast dimensions to `target`; no autodiff.
    func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let out = Tensor(uninitializedShape: target)
        let plan = BroadcastPlan(outShape: target, operands: [shape])
        let inner = plan.inner, si = plan.strides[0].last!
        let pi = data, po = out.data
        Parallel.forEach(plan.rows, minChunk: Swift.max(1, 32768 / Swift.max(inner, 1))) { range in
            for row in range {
                let x = pi + plan.offsets(row: row, operand: 0), z = po + row * inner
                if si == 1 { z.update(from: x, count: inner) } else { z.update(repeating: x[0], count: inner) }
            }
        }
        return out
    }

    /// `self` repeated along its size-1 (or missing leading) dimensions to `shape`.
    public func broadcast(to target: [Int]) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .elementwise) }
        precondition(BroadcastPlan.resultShape(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        let own = shape
        return expanded(to: target).recorded([self], category: .elementwise) { g in [g.sumToShape(own)] }
    }

    /// `a + b` with broadcasting.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        broadcastBinary(a, b, AddFn.self).recorded([a, b], category: .elementwise) { g in
            [a.requiresGrad ? g.sumToShape(a.shape) : nil, b.requiresGrad ? g.sumToShape(b.shape) : nil]
        }
    }

    /// `a − b` with broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        broadcastBinary(a, b, SubFn.self).recorded([a, b], category: .elementwise) { g in
            [a.requiresGrad ? g.sumToShape(a.shape) : nil,
             b.requiresGrad ? g.sumToShape(b.shape).scaled(-1) : nil]
        }
    }

    /// `a · b` elementwise with broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        broadcastBinary(a, b, MulFn.self).recorded([a, b], category: .elementwise) { g in
            [a.requiresGrad ? broadcastBinary(g, b, MulFn.self).sumToShape(a.shape) : nil,
             b.requiresGrad ? broadcastBinary(g, a, MulFn.self).sumToShape(b.shape) : nil]
        }
    }

    /// `a / b` elementwise with broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = broadcastBinary(a, b, DivFn.self)
        return out.recorded([a, b], category: .elementwise) { [unowned out] g in
            let ga = broadcastBinary(g, b, DivFn.self)
            return [a.requiresGrad ? ga.sumToShape(a.shape) : nil,
                    b.requiresGrad ? broadcastBinary(ga, out, MulFn.self).sumToShape(b.shape).scaled(-1) : nil]
        }
    }

    public static func + (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: s) }
    public static func - (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1, shift: -s) }
    public static func * (a: Tensor, s: Float) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func * (s: Float, a: Tensor) -> Tensor { a.affine(scale: s, shift: 0) }
    public static func / (a: Tensor, s: Float) -> Tensor { a.affine(scale: 1 / s, shift: 0) }
    public static prefix func - (a: Tensor) -> Tensor { a.affine(scale: -1, shift: 0) }

    /// `scale · self + shift`, recorded.
    public func affine(scale: Float, shift: Float) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .elementwise) }
        let out = Tensor(uninitializedShape: shape)
        let x = data, y = out.data
        Parallel.forEach(count, minChunk: 1 << 15) { r in
            for i in r { y[i] = x[i] * scale + shift }
        }
        return out.recorded([self], category: .elementwise) { g in [g.scaled(scale)] }
    }

    /// `self · s`, not recorded (for backward passes).
    func scaled(_ s: Float) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        Kernels.scale(data, by: s, into: out.data, count: count)
        return out
    }
}
