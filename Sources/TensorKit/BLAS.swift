import CBLAS

/// Thin wrapper over `cblas_sgemm` (row-major), so transposes are folded into the call.
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
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// OpenBLAS's build configuration string (for provenance records).
    public static var configuration: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p)
    }
}
