/// Vectorised transcendental functions for the memory-bound activation kernels.
///
/// `exp` is Cephes' single-precision polynomial (max relative error ≈ 2 ulp); `erf` is
/// Abramowitz & Stegun 7.1.26 (max absolute error 1.5e-7), accurate to float precision
/// for GELU while staying an order of magnitude faster than scalar `erff`.
public enum VectorMath {
    public typealias V = SIMD8<Float>

    @inline(__always)
    public static func exp(_ x: V) -> V {
        let xc = x.clamped(lowerBound: V(repeating: -87.3), upperBound: V(repeating: 88.7))
        let n = (xc * 1.44269504088896341).rounded(.toNearestOrEven)
        var r = xc - n * 0.693359375
        r = r + n * 2.12194440e-4
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * r * r + r + 1
        let ni = SIMD8<Int32>(n, rounding: .towardZero)
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: V.self)
        return e * scale
    }

    @inline(__always)
    public static func erf(_ x: V) -> V {
        let ax = abs(x)
        let t = 1 / (1 + 0.3275911 * ax)
        var p = V(repeating: 1.061405429)
        p = p * t - 1.453152027
        p = p * t + 1.421413741
        p = p * t - 0.284496736
        p = p * t + 0.254829592
        let y = 1 - p * t * exp(-(ax * ax))
        return y.replacing(with: -y, where: x .< 0)
    }

    @inline(__always)
    static func abs(_ x: V) -> V { unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: V.self) }

    /// Scalar fallbacks for loop tails, using the same formulas.
    @inline(__always) public static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }
    @inline(__always) public static func erf(_ x: Float) -> Float { erf(V(repeating: x))[0] }

    /// Applies `f` to `count` floats eight at a time.
    @inline(__always)
    public static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                           _ f: (V) -> V) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(v), as: V.self)
            i += 8
        }
        if i < count {
            var v = V.zero
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }

    /// Applies `f` to pairs of `count` floats eight at a time.
    @inline(__always)
    public static func map2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                            count: Int, _ f: (V, V) -> V) {
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: V.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: f(va, vb), as: V.self)
            i += 8
        }
        if i < count {
            var va = V.zero, vb = V.zero
            for j in 0..<(count - i) { va[j] = a[i + j]; vb[j] = b[i + j] }
            let r = f(va, vb)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }
}
