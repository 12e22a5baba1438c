import Foundation

extension Tensor {
    /// Mean cross-entropy of `[N, C]` logits against class indices, with label smoothing
    /// `ε` (targets `(1−ε)·onehot + ε/C`, as PyTorch's `label_smoothing`).
    ///
    /// Computed from the label's log-probability directly, so logits of −∞ (a masked
    /// entry, as in NT-Xent's diagonal) contribute nothing instead of 0·∞.
    public func crossEntropy(labels: [Int], labelSmoothing eps: Float = 0) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .loss) }
        precondition(rank == 2 && labels.count == shape[0], "crossEntropy: logits \(shape), \(labels.count) labels")
        let N = shape[0], C = shape[1]
        let logp = Tensor(uninitializedShape: shape)
        var total: Float = 0
        for (n, y) in labels.enumerated() {
            precondition(y >= 0 && y < C, "label \(y) outside 0..<\(C)")
            let lp = logp.data + n * C
            Tensor.logSoftmaxRow(data + n * C, lp, C)
            total -= (1 - eps) * lp[y]
            if eps > 0 { total -= eps / Float(C) * Kernels.sum(lp, count: C) }
        }
        let out = Tensor(scalar: total / Float(N))
        return out.recorded([self], category: .loss) { g in
            let scale = g.item / Float(N)
            let d = Tensor(uninitializedShape: self.shape)
            for (n, y) in labels.enumerated() {   // (softmax − target) / N
                let lp = logp.data + n * C, dp = d.data + n * C
                for c in 0..<C { dp[c] = scale * (Foundation.exp(lp[c]) - eps / Float(C)) }
                dp[y] -= scale * (1 - eps)
            }
            return [d]
        }
    }

    /// Mean over rows of `−Σ_c t_c · log softmax(x)_c` for `[N, C]` logits and soft targets.
    public func crossEntropy(softTargets t: Tensor) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .loss) }
        precondition(rank == 2 && t.shape == shape, "crossEntropy: logits \(shape), targets \(t.shape)")
        let N = shape[0], C = shape[1]
        let logp = Tensor(uninitializedShape: shape)
        var total: Float = 0
        for n in 0..<N {
            Tensor.logSoftmaxRow(data + n * C, logp.data + n * C, C)
            total -= Kernels.dot(t.data + n * C, logp.data + n * C, count: C)
        }
        let out = Tensor(scalar: total / Float(N))
        return out.recorded([self, t], category: .loss) { g in
            let scale = g.item / Float(N)
            var gx: Tensor? = nil, gt: Tensor? = nil
            if self.requiresGrad {   // (softmax · Σt − t) / N
                let d = Tensor(uninitializedShape: self.shape)
                for n in 0..<N {
                    let tp = t.data + n * C, lp = logp.data + n * C, dp = d.data + n * C
                    let st = Kernels.sum(tp, count: C)
                    for c in 0..<C { dp[c] = scale * (Foundation.exp(lp[c]) * st - tp[c]) }
                }
                gx = d
            }
            if t.requiresGrad { gt = logp.scaled(-scale) }
            return [gx, gt]
        }
    }

    /// Mean absolute difference between two same-shaped tensors.
    public func l1Loss(_ target: Tensor) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .loss) }
        precondition(target.shape == shape, "l1Loss: \(shape) vs \(target.shape)")
        var s: Float = 0
        let a = data, b = target.data
        for i in 0..<count { s += Swift.abs(a[i] - b[i]) }
        let n = Float(count)
        return Tensor(scalar: s / n).recorded([self, target], category: .loss) { g in
            let scale = g.item / n
            let sign = Tensor(uninitializedShape: self.shape)
            let a = self.data, b = target.data, sp = sign.data
            for i in 0..<self.count {
                let d = a[i] - b[i]
                sp[i] = d > 0 ? scale : (d < 0 ? -scale : 0)
            }
            return [self.requiresGrad ? sign : nil, target.requiresGrad ? sign.scaled(-1) : nil]
        }
    }
}
