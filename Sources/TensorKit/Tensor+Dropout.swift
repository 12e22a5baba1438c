extension Tensor {
    /// Inverted dropout: zeroes each element with probability `p`, scales the rest by
    /// 1/(1−p). Identity when `p == 0`.
    public func dropout(_ p: Float, rng: inout RNG) -> Tensor {
        guard p > 0 else { return self }
        precondition(p < 1, "dropout probability \(p) must be < 1")
        let mask = Tensor(uninitializedShape: shape)
        let keep = 1 / (1 - p)
        for i in 0..<count { mask.data[i] = rng.uniform() < p ? 0 : keep }
        return multiplyByMask(mask)
    }

    /// Per-sample stochastic depth: each leading-dim sample is zeroed with probability
    /// `p`, survivors scaled by 1/(1−p).
    public func dropPath(_ p: Float, rng: inout RNG) -> Tensor {
        guard p > 0 else { return self }
        var mask = [Float](repeating: 0, count: shape[0])
        for b in mask.indices { mask[b] = rng.uniform() < 1 - p ? 1 / (1 - p) : 0 }
        return scaledPerSample(mask)
    }

    /// Multiplies sample `b` (leading dim) by `factors[b]`: drop-path with a pinned mask.
    public func scaledPerSample(_ factors: [Float]) -> Tensor {
        let _profile = Profiler.start(); defer { Profiler.stop(_profile, .elementwise) }
        precondition(factors.count == shape[0], "\(factors.count) factors for \(shape[0]) samples")
        let per = count / Swift.max(shape[0], 1)
        let out = Tensor(uninitializedShape: shape)
        for b in 0..<shape[0] { Kernels.scale(data + b * per, by: factors[b], into: out.data + b * per, count: per) }
        return out.recorded([self], category: .elementwise) { g in
            let gx = Tensor(uninitializedShape: g.shape)
            for b in 0..<factors.count { Kernels.scale(g.data + b * per, by: factors[b], into: gx.data + b * per, count: per) }
            return [gx]
        }
    }

    /// Elementwise product with a constant mask (not differentiated through the mask).
    func multiplyByMask(_ mask: Tensor) -> Tensor {
        let out = Tensor.broadcastBinary(self, mask, MulFn.self)
        return out.recorded([self], category: .elementwise) { g in [Tensor.broadcastBinary(g, mask, MulFn.self)] }
    }
}
