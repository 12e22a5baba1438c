import CBLAS
import Foundation

/// `cblas_sgemm` (row-major) with transposes folded into the call; OpenBLAS stays on one
/// thread and large products are split over csit's own threads (see `Parallel`).
public enum BLAS {
    /// `C[m,n] = alpha · op(A)[m,k] · op(B)[k,n] + beta · C`, row-major.
    ///
    /// - Parameters:
    ///   - transA: read A as its transpose (`A` stored `[k, m]`).
    ///   - transB: read B as its transpose (`B` stored `[n, k]`).
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: (m - 1) * ldc + n) }
            return
        }
        _ = Parallel.blasPinned
        let threads = Parallel.availableThreads
        // Below ~4 MFLOP a thread wake-up costs more than it saves.
        guard threads > 1, 2 * m * n * k >= 1 << 22, max(m, n) >= 32 else {
            return sgemmUnsplit(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
        if k >= 4 * max(m, n) && k >= 64 * threads {
            return splitInner(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads)
        }
        // Split C's longer side into 16-aligned blocks, one per thread; each thread packs its
        // own share of the split operand and the whole of the other (cheap next to the
        // 2·m·n·k/threads FLOPs it then runs).
        let splitRows = m >= n
        let length = splitRows ? m : n
        let parts = min(threads, length / 16)
        Parallel.forEach(parts) { range in
            for part in range {
                let lo = (length * part / parts) & ~15
                let hi = part == parts - 1 ? length : (length * (part + 1) / parts) & ~15
                guard lo < hi else { continue }
                if splitRows {
                    sgemmUnsplit(transA, transB, hi - lo, n, k, alpha, transA ? a + lo : a + lo * lda, lda,
                         b, ldb, beta, c + lo * ldc, ldc)
                } else {
                    sgemmUnsplit(transA, transB, m, hi - lo, k, alpha, a, lda,
                         transB ? b + lo * ldb : b + lo, ldb, beta, c + lo, ldc)
                }
            }
        }
    }

    /// Weight gradients (`k` = every row of the batch, C small): split along C, each thread
    /// would pack the whole long operand (at 16 threads, 16 copies of the activations), so
    /// the inner dimension is split instead and the partial products are added in part
    /// order (deterministic for a given thread count).
    private static func splitInner(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                                   _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                                   _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ threads: Int) {
        let parts = threads
        let partials = Tensor(uninitializedShape: [parts - 1, m * n])
        let pp = partials.data
        Parallel.forEach(parts) { range in
            for part in range {
                let lo = k * part / parts, hi = k * (part + 1) / parts
                let ap = transA ? a + lo * lda : a + lo, bp = transB ? b + lo : b + lo * ldb
                if part == 0 {
                    sgemmUnsplit(transA, transB, m, n, hi - lo, alpha, ap, lda, bp, ldb, beta, c, ldc)
                } else {
                    sgemmUnsplit(transA, transB, m, n, hi - lo, alpha, ap, lda, bp, ldb, 0, pp + (part - 1) * m * n, n)
                }
            }
        }
        for part in 1..<parts {
            let src = pp + (part - 1) * m * n
            for i in 0..<m { Kernels.add(c + i * ldc, src + i * n, into: c + i * ldc, count: n) }
        }
    }

    /// One `cblas_sgemm` call as it stands, never split (the benchmark's raw reference).
    @inline(__always)
    public static func sgemmUnsplit(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Runs `body` with OpenBLAS's own thread pool at `threads` (the benchmark's reference
    /// for raw sgemm), then pins it back to one thread and lets its workers fall asleep.
    public static func withOpenBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
        _ = Parallel.blasPinned
        openblas_set_num_threads(Int32(threads))
        defer {
            openblas_set_num_threads(1)
            if threads > 1 { usleep(200_000) }   // past OpenBLAS's spin timeout (2²⁸ cycles)
        }
        return try body()
    }

    /// OpenBLAS's build configuration string (for provenance records).
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}
