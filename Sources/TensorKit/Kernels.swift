/// Flat vector kernels over raw pointers; loops are written so LLVM vectorises them.
public enum Kernels {
    @inline(__always)
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                           into c: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { c[i] = a[i] + b[i] }
    }

    /// `y += alpha · x`
    @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += alpha * x[i] }
    }

    @inline(__always)
    public static func scale(_ x: UnsafePointer<Float>, by s: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = x[i] * s }
    }

    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        // Eight partial sums: vectorises and keeps rounding error low on long rows.
        var acc = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= count {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = VectorMath.horizontalSum(acc)
        while i < count { s += x[i]; i += 1 }
        return s
    }

    /// Σ (x − mean)², with vector partial sums.
    @inline(__always)
    public static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, mean: Float, count: Int) -> Float {
        var acc = SIMD8<Float>.zero
        let m = SIMD8<Float>(repeating: mean)
        var i = 0
        while i + 8 <= count {
            let d = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) - m
            acc = acc.addingProduct(d, d)
            i += 8
        }
        var s = VectorMath.horizontalSum(acc)
        while i < count { let d = x[i] - mean; s += d * d; i += 1 }
        return s
    }

    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= count {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var s = VectorMath.horizontalSum(acc)
        while i < count { s += x[i] * y[i]; i += 1 }
        return s
    }

    /// Copies `count` floats in parallel chunks (the bandwidth reference of the bench).
    public static func parallelCopy(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEach(count, minChunk: 1 << 15) { r in
            (dst + r.lowerBound).update(from: src + r.lowerBound, count: r.count)
        }
    }
}
