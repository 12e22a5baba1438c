import CBLAS

extension Tensor {
    /// Matrix product `op(a) · op(b)` of `[M, K]·[K, N]`, or batched `[B, M, K]·[B, K, N]`;
    /// a rank-3 `a` times a rank-2 `b` multiplies every batch by the same `b`.
    ///
    /// Transposes are passed to sgemm, never materialised.
    /// - Parameters:
    ///   - transposeA: use `aᵀ` (stored `[…, K, M]`).
    ///   - transposeB: use `bᵀ` (stored `[…, N, K]`).
    /// - Returns: `[M, N]` or `[B, M, N]`.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        if a.rank == 3 && b.rank == 2 && !transposeA {
            // Fold the batch into rows: one large GEMM instead of B small ones.
            let rows = a.reshaped([a.shape[0] * a.shape[1], a.shape[2]])
            let y = matmul(rows, b, transposeA: false, transposeB: transposeB)
            return y.reshaped([a.shape[0], a.shape[1], y.shape[1]])
        }
        precondition((a.rank == 2 && b.rank == 2) || (a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0]),
                     "matmul of \(a.shape) and \(b.shape)")
        let batched = a.rank == 3
        let batch = batched ? a.shape[0] : 1
        let (ar, ac) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (br, bc) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        let m = transposeA ? ac : ar, k = transposeA ? ar : ac
        let k2 = transposeB ? bc : br, n = transposeB ? br : bc
        precondition(k == k2, "matmul inner dimensions differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        let out = Tensor(uninitializedShape: batched ? [batch, m, n] : [m, n])
        gemmBatched(batch: batch, transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                    a: a.data, lda: ac, strideA: ar * ac, b: b.data, ldb: bc, strideB: br * bc,
                    c: out.data, ldc: n, strideC: m * n, beta: 0)
        return out.recorded([a, b]) { g in
            var ga: Tensor?, gb: Tensor?
            if a.requiresGrad {
                let t = Tensor(uninitializedShape: a.shape)
                if !transposeA {   // dA[M,K] = dC · op(B)ᵀ
                    gemmBatched(batch: batch, transA: false, transB: !transposeB, m: m, n: k, k: n,
                                a: g.data, lda: n, strideA: m * n, b: b.data, ldb: bc, strideB: br * bc,
                                c: t.data, ldc: k, strideC: m * k, beta: 0)
                } else {           // dA[K,M] = op(B) · dCᵀ
                    gemmBatched(batch: batch, transA: transposeB, transB: true, m: k, n: m, k: n,
                                a: b.data, lda: bc, strideA: br * bc, b: g.data, ldb: n, strideB: m * n,
                                c: t.data, ldc: m, strideC: m * k, beta: 0)
                }
                ga = t
            }
            if b.requiresGrad {
                let t = Tensor(uninitializedShape: b.shape)
                if !transposeB {   // dB[K,N] = op(A)ᵀ · dC
                    gemmBatched(batch: batch, transA: !transposeA, transB: false, m: k, n: n, k: m,
                                a: a.data, lda: ac, strideA: ar * ac, b: g.data, ldb: n, strideB: m * n,
                                c: t.data, ldc: n, strideC: k * n, beta: 0)
                } else {           // dB[N,K] = dCᵀ · op(A)
                    gemmBatched(batch: batch, transA: true, transB: transposeA, m: n, n: k, k: m,
                                a: g.data, lda: n, strideA: m * n, b: a.data, ldb: ac, strideB: ar * ac,
                                c: t.data, ldc: k, strideC: k * n, beta: 0)
                }
                gb = t
            }
            return [ga, gb]
        }
    }

    /// `batch` independent GEMMs; one multi-threaded GEMM when `batch == 1`, otherwise
    /// single-threaded GEMMs spread over the cores.
    static func gemmBatched(batch: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, lda: Int, strideA: Int,
                            b: UnsafePointer<Float>, ldb: Int, strideB: Int,
                            c: UnsafeMutablePointer<Float>, ldc: Int, strideC: Int, beta: Float) {
        if batch == 1 {
            Profiler.measure(.gemm) {
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: c, ldc: ldc)
            }
            return
        }
        Profiler.measure(.attention) { Parallel.forEach(batch) { range in
            for i in range {
                BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k,
                           a: a + i * strideA, lda: lda, b: b + i * strideB, ldb: ldb,
                           beta: beta, c: c + i * strideC, ldc: ldc)
            }
        } }
    }

    /// Affine map over the last axis: `x · Wᵀ + b` with PyTorch's `[out, in]` weight.
    ///
    /// - Parameters:
    ///   - x: `[…, in]`.
    ///   - weight: `[out, in]`.
    ///   - bias: `[out]` or nil.
    /// - Returns: `[…, out]`.
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
        let inF = weight.shape[1], outF = weight.shape[0]
        precondition(x.shape.last == inF, "linear: input \(x.shape) for weight \(weight.shape)")
        let rows = x.count / inF
        var outShape = x.shape; outShape[outShape.count - 1] = outF
        let out = Tensor(uninitializedShape: outShape)
        let t0 = Profiler.start()
        defer { Profiler.stop(t0, .gemm) }
        if let bias {
            // Seeding C with the bias and using beta = 1 costs what beta = 0 costs:
            // OpenBLAS would zero C in a separate pass otherwise.
            let bp = bias.data, op = out.data
            Parallel.forEach(rows, minChunk: 256) { r in
                for i in r { (op + i * outF).update(from: bp, count: outF) }
            }
        }
        BLAS.sgemm(transA: false, transB: true, m: rows, n: outF, k: inF, a: x.data, lda: inF,
                   b: weight.data, ldb: inF, beta: bias == nil ? 0 : 1, c: out.data, ldc: outF)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return out.recorded(inputs) { g in
            let t0 = Profiler.start()
            defer { Profiler.stop(t0, .gemm) }
            var grads: [Tensor?] = [nil, nil, nil]
            if x.requiresGrad {
                let gx = Tensor(uninitializedShape: x.shape)
                BLAS.sgemm(m: rows, n: inF, k: outF, a: g.data, lda: outF, b: weight.data, ldb: inF,
                           c: gx.data, ldc: inF)
                grads[0] = gx
            }
            if weight.requiresGrad {
                let gw = Tensor(uninitializedShape: weight.shape)
                BLAS.sgemm(transA: true, m: outF, n: inF, k: rows, a: g.data, lda: outF, b: x.data, ldb: inF,
                           c: gw.data, ldc: inF)
                grads[1] = gw
            }
            if let bias, bias.requiresGrad {
                grads[2] = g.columnSums(rows: rows, columns: outF)
            }
            return Array(grads.prefix(inputs.count))
        }
    }

    /// Sums of a `[rows, columns]` matrix over rows (bias gradients): each thread adds its
    /// block of rows into a cache-resident partial sum, then the partials are added in slot
    /// order (deterministic for a given thread count).
    func columnSums(rows: Int, columns: Int) -> Tensor {
        let slots = Parallel.slotCount(rows, minChunk: 256)
        let partials = Tensor(zeros: [slots, columns])
        let xp = data, pp = partials.data
        Parallel.forEachSlot(rows, minChunk: 256) { slot, range in
            let acc = pp + slot * columns
            for r in range { Kernels.add(acc, xp + r * columns, into: acc, count: columns) }
        }
        let out = Tensor(uninitializedShape: [columns])
        out.data.update(from: pp, count: columns)
        for slot in 1..<slots { Kernels.add(out.data, pp + slot * columns, into: out.data, count: columns) }
        return out
    }
}
