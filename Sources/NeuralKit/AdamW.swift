import TensorKit

/// AdamW with decoupled weight decay (PyTorch's `torch.optim.AdamW` update, bit for bit
/// in order of operations), one fused vectorised pass per parameter.
public final class AdamW {
    public var groups: [ParameterGroup]
    public var beta1: Float, beta2: Float, eps: Float
    /// Completed steps (bias correction uses `step + 1` for the next one).
    public private(set) var step = 0
    private var m: [ObjectIdentifier: Tensor] = [:]
    private var v: [ObjectIdentifier: Tensor] = [:]

    public init(groups: [ParameterGroup], beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8) {
        self.groups = groups
        (self.beta1, self.beta2, self.eps) = (beta1, beta2, eps)
    }

    /// Applies one update with learning rate `lr` to every parameter that has a gradient.
    public func update(lr: Float) {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .optimizer) }
        step += 1
        let bc1 = 1 - Float(Double(beta1).power(step)), bc2 = 1 - Float(Double(beta2).power(step))
        let (b1, b2, eps) = (beta1, beta2, self.eps)
        let sqrtBC2 = bc2.squareRoot()
        for group in groups {
            let glr = lr * group.lrScale
            let decay = 1 - glr * group.weightDecay
            let stepSize = glr / bc1
            for (_, p) in group.parameters {
                guard let g = p.grad else { continue }
                let id = ObjectIdentifier(p)
                let mt = m[id] ?? { let t = Tensor(zeros: p.shape); m[id] = t; return t }()
                let vt = v[id] ?? { let t = Tensor(zeros: p.shape); v[id] = t; return t }()
                Tensor.withUnsafeMutableBufferPointers([p, g, mt, vt]) { bufs in
                    let (pp, gp) = (bufs[0].baseAddress!, bufs[1].baseAddress!)
                    let (mp, vp) = (bufs[2].baseAddress!, bufs[3].baseAddress!)
                    Parallel.forEach(p.count, minChunk: 1 << 15) { r in
                        for i in r {
                            let gi = gp[i]
                            let mi = b1 * mp[i] + (1 - b1) * gi
                            let vi = b2 * vp[i] + (1 - b2) * gi * gi
                            mp[i] = mi; vp[i] = vi
                            pp[i] = pp[i] * decay - stepSize * mi / (vi.squareRoot() / sqrtBC2 + eps)
                        }
                    }
                }
            }
        }
    }

    /// Moment buffers keyed `<param>.exp_avg` / `<param>.exp_avg_sq`, plus `step`.
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = ["step": Tensor([Float(step)], shape: [1])]
        for g in groups { for (k, p) in g.parameters {
            if let t = m[ObjectIdentifier(p)] { out["\(k).exp_avg"] = t.copy() }
            if let t = v[ObjectIdentifier(p)] { out["\(k).exp_avg_sq"] = t.copy() }
        } }
        return out
    }

    /// Restores what `stateDict()` saved (moments of unknown keys are ignored).
    public func load(_ state: [String: Tensor]) {
        step = Int(state["step"]?.item ?? 0)
        for g in groups { for (k, p) in g.parameters {
            if let t = state["\(k).exp_avg"], t.shape == p.shape { m[ObjectIdentifier(p)] = t.copy() }
            if let t = state["\(k).exp_avg_sq"], t.shape == p.shape { v[ObjectIdentifier(p)] = t.copy() }
        } }
    }
}

/// SGD with momentum and (coupled) weight decay, as `torch.optim.SGD`.
public final class SGD {
    public var groups: [ParameterGroup]
    public var momentum: Float
    public var nesterov: Bool
    private var buffers: [ObjectIdentifier: Tensor] = [:]

    public init(groups: [ParameterGroup], momentum: Float = 0.9, nesterov: Bool = false) {
        self.groups = groups
        self.momentum = momentum
        self.nesterov = nesterov
    }

    public func update(lr: Float) {
        for group in groups {
            let glr = lr * group.lrScale, wd = group.weightDecay, mu = momentum, nest = nesterov
            for (_, p) in group.parameters {
                guard let g = p.grad else { continue }
                let id = ObjectIdentifier(p)
                let first = buffers[id] == nil
                let buf = buffers[id] ?? { let t = Tensor(zeros: p.shape); buffers[id] = t; return t }()
                Tensor.withUnsafeMutableBufferPointers([p, g, buf]) { bufs in
                    let (pp, gp, bp) = (bufs[0].baseAddress!, bufs[1].baseAddress!, bufs[2].baseAddress!)
                    for i in 0..<p.count {
                        let d = gp[i] + wd * pp[i]
                        let b = mu == 0 ? d : (first ? d : mu * bp[i] + d)
                        bp[i] = b
                        pp[i] -= glr * (nest ? d + mu * b : b)
                    }
                }
            }
        }
    }
}

extension Double {
    func power(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<n { r *= self }
        return r
    }
}
