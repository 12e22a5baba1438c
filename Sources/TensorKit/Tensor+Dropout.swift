extension Tensor {
    /// Inverted dropout: zeroes each element with probability `p`, scales the rest by
    /// 1/(1−p). Identity when `p == 0`.
    public func dropout(_ p: Float, rng: inout RNG) -> Tensor {
        dropout(p, rng: &rng, rows: nil)
    }

    /// Dropout of these rows of a larger batch: the draws are those of the whole batch
    /// (`rows.total` rows), each row keeping its own, so a data-parallel rank holding a
    /// share of the batch drops exactly what one process holding all of it would.
    public func dropout(_ p: Float, rng: inout RNG, rows: RowSelection?) -> Tensor {
        guard p > 0 else { return self }
        precondition(p < 1, "dropout probability \(p) must be < 1")
        let mask = Tensor(uninitializedShape: shape)
        let keep = 1 / (1 - p)
        guard let rows else {
            for i in 0..<count { mask.data[i] = rng.uniform() < p ? 0 : keep }
            return multiplyByMask(mask)
        }
        precondition(rows.indices.count == shape[0], "\(rows.indices.count) selected rows for \(shape[0])")
        let per = count / Swift.max(shape[0], 1)
        let slot = rows.slots
        for g in 0..<rows.total {
            if let local = slot[g] {
                for i in 0..<per { mask.data[local * per + i] = rng.uniform() < p ? 0 : keep }
            } else {
                for _ in 0..<per { _ = rng.uniform() }
            }
        }
        return multiplyByMask(mask)
    }

    /// Per-sample stochastic depth: each leading-dim sample is zeroed with probability
    /// `p`, survivors scaled by 1/(1−p).
    public func dropPath(_ p: Float, rng: inout RNG, rows: RowSelection? = nil) -> Tensor {
        guard p > 0 else { return self }
        let total = rows?.total ?? shape[0]
        var draws = [Float](repeating: 0, count: total)
        for b in draws.indices { draws[b] = rng.uniform() < 1 - p ? 1 / (1 - p) : 0 }
        guard let rows else { return scaledPerSample(draws) }
        precondition(rows.indices.count == shape[0], "\(rows.indices.count) selected rows for \(shape[0])")
        return scaledPerSample(rows.indices.map { draws[$0] })
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

/// Which rows of a larger batch a tensor holds: a data-parallel rank's share of the global
/// batch, so that random draws made per row of the batch come out as they would for the
/// whole batch in one process.
public struct RowSelection: Sendable, Equatable {
    /// The global rows held, in the tensor's row order.
    public var indices: [Int]
    /// The rows of the whole batch.
    public var total: Int

    public init(indices: [Int], total: Int) {
        precondition(indices.allSatisfy { (0..<total).contains($0) }, "rows outside 0..<\(total)")
        (self.indices, self.total) = (indices, total)
    }

    /// For each global row, its position in this tensor (nil when another rank holds it).
    var slots: [Int?] {
        var s = [Int?](repeating: nil, count: total)
        for (local, g) in indices.enumerated() { s[g] = local }
        return s
    }
}
