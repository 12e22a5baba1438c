/// Vectorised transcendental functions for the memory-bound activation kernels.
///
/// `exp` is Cephes' single-precision polynomial (max relative error ≈ 2 ulp); `erf` is
/// the rational approximation Eigen and XLA use for Float (a few ulp, no exponential), so
/// exact GELU costs little more than a memory pass.
public enum VectorMath {
    public typealias V = SIMD8<Float>

    @inline(__always)
    public static func exp(_ x: V) -> V {
        // Round-to-nearest through the 1.5·2²³ trick: the integer lands in the low
        // mantissa bits, so no float→int conversion instruction is needed.
        var xc = x
        xc.replace(with: 88.3762626647949, where: x .> 88.3762626647949)
        xc.replace(with: -87.3365478515625, where: x .< -87.3365478515625)
        return expCore(xc)
    }

    /// The polynomial core of `exp` for an argument already inside the float range.
    @inline(__always)
    static func expCore(_ xc: V) -> V {
        let magic = V(repeating: 12_582_912)
        let t = magic.addingProduct(xc, V(repeating: 1.44269504088896341))
        let n = t - magic
        var r = xc.addingProduct(n, V(repeating: -0.693359375))
        r = r.addingProduct(n, V(repeating: 2.12194440e-4))
        var p = V(repeating: 1.3981999507e-3).addingProduct(V(repeating: 1.9875691500e-4), r)
        p = V(repeating: 8.3334519073e-3).addingProduct(p, r)
        p = V(repeating: 4.1665795894e-2).addingProduct(p, r)
        p = V(repeating: 1.6666665459e-1).addingProduct(p, r)
        p = V(repeating: 5.0000001201e-1).addingProduct(p, r)
        let e = (r + 1).addingProduct(p, r * r)
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: V.self)
        return e * scale
    }

    /// erf as an odd/even rational polynomial on [−4, 4] (erf(±4) is ±1 in Float): no
    /// exponential, one division, as Eigen and XLA evaluate it.
    @inline(__always)
    public static func erf(_ x: V) -> V {
        var xc = x
        xc.replace(with: 4, where: x .> 4)
        xc.replace(with: -4, where: x .< -4)
        let x2 = xc * xc
        var p = V(repeating: 2.77068142495902e-08).addingProduct(x2, V(repeating: -2.72614225801306e-10))
        p = V(repeating: -2.10102402082508e-06).addingProduct(x2, p)
        p = V(repeating: -5.69250639462346e-05).addingProduct(x2, p)
        p = V(repeating: -7.34990630326855e-04).addingProduct(x2, p)
        p = V(repeating: -2.95459980854025e-03).addingProduct(x2, p)
        p = V(repeating: -1.60960333262415e-02).addingProduct(x2, p)
        p = xc * p
        var q = V(repeating: -2.13374055278905e-04).addingProduct(x2, V(repeating: -1.45660718464996e-05))
        q = V(repeating: -1.68282697438203e-03).addingProduct(x2, q)
        q = V(repeating: -7.37332916720468e-03).addingProduct(x2, q)
        q = V(repeating: -1.42647390514189e-02).addingProduct(x2, q)
        return p / q
    }

    /// `erf(x)` together with `exp(−x²)`, for GELU's backward, which needs both: Abramowitz &
    /// Stegun 7.1.26 (absolute error ≤ 1.5e-7) is built on that same exponential, so the pair
    /// costs one exponential and one division instead of an exponential plus the rational erf.
    @inline(__always)
    public static func erfAndGaussian(_ x: V) -> (erf: V, gaussian: V) {
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let sign = bits & 0x8000_0000
        let ax = unsafeBitCast(bits & 0x7FFF_FFFF, to: V.self)
        let t = 1 / V(repeating: 1).addingProduct(ax, V(repeating: 0.3275911))
        var p = V(repeating: -1.453152027).addingProduct(V(repeating: 1.061405429), t)
        p = V(repeating: 1.421413741).addingProduct(p, t)
        p = V(repeating: -0.284496736).addingProduct(p, t)
        p = V(repeating: 0.254829592).addingProduct(p, t)
        let g = expNonPositive(-(ax * ax))
        let y = 1 - p * t * g
        return (unsafeBitCast(unsafeBitCast(y, to: SIMD8<UInt32>.self) | sign, to: V.self), g)
    }

    /// `exp` for arguments ≤ 0 (only the lower clamp is needed).
    @inline(__always)
    public static func expNonPositive(_ x: V) -> V {
        var xc = x
        xc.replace(with: -87.3365478515625, where: x .< -87.3365478515625)
        return expCore(xc)
    }

    /// Scalar fallbacks for loop tails, using the same formulas.
    @inline(__always) public static func exp(_ x: Float) -> Float { exp(V(repeating: x))[0] }
    @inline(__always) public static func erf(_ x: Float) -> Float { erf(V(repeating: x))[0] }

    /// Applies `K` to `count` floats eight at a time (generic so the kernel inlines).
    @inline(__always)
    public static func map<K: VectorUnaryKernel>(_: K.Type, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: K.apply(v), as: V.self)
            i += 8
        }
        if i < count {
            var v = V.zero
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = K.apply(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }

    /// Applies `K` to pairs of floats eight at a time.
    @inline(__always)
    public static func map2<K: VectorBinaryKernel>(_: K.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                                   _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let va = UnsafeRawPointer(a + i).loadUnaligned(as: V.self)
            let vb = UnsafeRawPointer(b + i).loadUnaligned(as: V.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: K.apply(va, vb), as: V.self)
            i += 8
        }
        if i < count {
            var va = V.zero, vb = V.zero
            for j in 0..<(count - i) { va[j] = a[i + j]; vb[j] = b[i + j] }
            let r = K.apply(va, vb)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }

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

/// A vectorised elementwise function, as a type so generic loops specialise and inline it.
public protocol VectorUnaryKernel { static func apply(_ x: SIMD8<Float>) -> SIMD8<Float> }
/// A vectorised function of two operands.
public protocol VectorBinaryKernel { static func apply(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> }
