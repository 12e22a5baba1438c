extension Tensor {
    /// Multi-head scaled dot-product attention straight from a fused qkv projection:
    /// `softmax(Q Kᵀ / √dₕ) V` per (sample, head), heads concatenated.
    ///
    /// Q, K and V are read in place from `qkv` (row layout part·d + head·dₕ + k, as timm's
    /// ViT), so no permute copies are made; each (sample, head) runs its three small GEMMs and
    /// the softmax on one core while its N×N scores are still in cache.
    ///
    /// - Parameters:
    ///   - qkv: `[B, N, 3d]`.
    ///   - heads: h (d divisible by h).
    /// - Returns: `[B, N, d]`.
    public static func attention(qkv: Tensor, heads h: Int) -> Tensor {
        precondition(qkv.rank == 3 && qkv.shape[2] % (3 * h) == 0, "attention: qkv \(qkv.shape) for \(h) heads")
        let (B, N, d3) = (qkv.shape[0], qkv.shape[1], qkv.shape[2])
        let d = d3 / 3, dh = d / h
        let scale = 1 / Float(dh).squareRoot()
        let out = Tensor(uninitializedShape: [B, N, d])
        // Each thread keeps one N×N scratch that stays in its cache. The probabilities are
        // not stored for the backward pass (that would be [B, h, N, N] per layer, hundreds of
        // MB per step, written and read back through DRAM): the backward pass recomputes them
        // with the same calls, which gives the same bits and costs one small GEMM per head.
        let slots = Parallel.slotCount(B * h)
        let probs = Tensor(uninitializedShape: [slots, N, N])
        let qp = qkv.data, op = out.data, pp = probs.data
        let t0 = Profiler.start()
        Parallel.forEachSlot(B * h) { slot, range in
            for bh in range {
                let (b, hh) = (bh / h, bh % h)
                let q = qp + b * N * d3 + hh * dh
                let p = pp + slot * N * N
                probabilities(q: q, into: p, N: N, dh: dh, d3: d3, scale: scale)
                BLAS.sgemm(m: N, n: dh, k: N, a: p, lda: N, b: q + 2 * d, ldb: d3, c: op + b * N * d + hh * dh, ldc: d)
            }
        }
        Profiler.stop(t0, .attention)
        return out.recorded([qkv], category: .attention) { g in
            let gq = Tensor(uninitializedShape: qkv.shape)
            let qp = qkv.data, gp = g.data, gqp = gq.data
            let slots = Parallel.slotCount(B * h)
            let scratch = Tensor(uninitializedShape: [slots, 2, N * N])
            Parallel.forEachSlot(B * h) { slot, range in
                let p = scratch.data + slot * 2 * N * N, ds = p + N * N
                for bh in range {
                    let (b, hh) = (bh / h, bh % h)
                    let q = qp + b * N * d3 + hh * dh, k = q + d, v = q + 2 * d
                    let go = gp + b * N * d + hh * dh
                    let gqh = gqp + b * N * d3 + hh * dh
                    probabilities(q: q, into: p, N: N, dh: dh, d3: d3, scale: scale)
                    // dV = Pᵀ dO
                    BLAS.sgemm(transA: true, m: N, n: dh, k: N, a: p, lda: N, b: go, ldb: d, c: gqh + 2 * d, ldc: d3)
                    // dP = dO Vᵀ, then the softmax backward: dS = P ⊙ (dP − Σ dP ⊙ P)
                    BLAS.sgemm(transB: true, m: N, n: N, k: dh, a: go, lda: d, b: v, ldb: d3, c: ds, ldc: N)
                    for r in 0..<N {
                        let pr = p + r * N, dr = ds + r * N
                        let s = Kernels.dot(pr, dr, count: N)
                        for j in 0..<N { dr[j] = pr[j] * (dr[j] - s) }
                    }
                    // dQ = dS K · scale, dK = dSᵀ Q · scale
                    BLAS.sgemm(m: N, n: dh, k: N, alpha: scale, a: ds, lda: N, b: k, ldb: d3, c: gqh, ldc: d3)
                    BLAS.sgemm(transA: true, m: N, n: dh, k: N, alpha: scale, a: ds, lda: N, b: q, ldb: d3, c: gqh + d, ldc: d3)
                }
            }
            return [gq]
        }
    }

    /// `softmax(Q Kᵀ · scale)` of one (sample, head) into `p`, [N, N]; `q` points at the
    /// head's first query entry inside the qkv rows (keys follow `d3 / 3` floats later).
    @inline(__always)
    static func probabilities(q: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>,
                              N: Int, dh: Int, d3: Int, scale: Float) {
        BLAS.sgemm(transB: true, m: N, n: N, k: dh, alpha: scale, a: q, lda: d3, b: q + d3 / 3, ldb: d3, c: p, ldc: N)
        for r in 0..<N { Tensor.softmaxRow(p + r * N, p + r * N, N, 1) }
    }
}
